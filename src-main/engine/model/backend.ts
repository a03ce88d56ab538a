import * as tf from '@tensorflow/tfjs';
import util from 'node:util';
import { loadNative } from './native/addon';
import { nativeBackendInfo } from './native/tree-backend';

export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  version: string;
  /** In words: the GPU, or the CPU. */
  device: string;
  /** Why a faster backend was not used, for the analyst. */
  notices: string[];
}

/**
 * tfjs-node 4.22 calls util.isNullOrUndefined and friends, which newer Node
 * (and Electron's) removed; give them back before it loads.
 */
function restoreUtilHelpers(): void {
  const u = util as unknown as Record<string, unknown>;
  u.isNullOrUndefined ??= (x: unknown) => x === null || x === undefined;
  u.isArray ??= Array.isArray;
  u.isString ??= (x: unknown) => typeof x === 'string';
  u.isNumber ??= (x: unknown) => typeof x === 'number';
  u.isFunction ??= (x: unknown) => typeof x === 'function';
}

async function tryTensorflow(
  pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node',
): Promise<BackendInfo | null> {
  restoreUtilHelpers();
  try {
    // Optional dependencies: absent on most machines (they download libtensorflow at install).
    await import(pkg);
    if (await tf.setBackend('tensorflow')) {
      const gpu = pkg.endsWith('-gpu');
      return {
        name: 'tensorflow',
        version: tf.version.tfjs,
        device: gpu ? 'CUDA GPU (TensorFlow)' : 'CPU (TensorFlow)',
        notices: [],
      };
    }
  } catch {
    // not installed or not loadable here
  }
  return null;
}

/**
 * tfjs's cpu backend prints a banner ("install the node backend") on first use in
 * Node. Which engine runs, and why, is already said in every run's record and
 * progress; the banner only clutters the CLI and the logs of every worker.
 */
async function useQuietCpu(): Promise<void> {
  await tf.setBackend('cpu');
  const cpu = tf.backend() as { firstUse?: boolean };
  if (cpu.firstUse === true) cpu.firstUse = false;
}

/** The native engine, or why it does not load; tfjs stays on cpu to build and save the models. */
async function tryNativeEngine(): Promise<BackendInfo | string> {
  const { module, error } = loadNative();
  if (!module) return error;
  await useQuietCpu();
  return nativeBackendInfo(module);
}

/**
 * Picks the fastest engine that loads, in order: TensorFlow on a CUDA GPU ->
 * the native CPU engine -> TensorFlow on the CPU -> tfjs wasm -> tfjs cpu; or
 * the one asked for, falling back down the same order and saying so.
 * `needsConvGradient`: wasm cannot train a convolution (no
 * Conv2DBackpropFilter), so such a run skips it and says so.
 */
export async function selectBackend(wanted?: BackendName, needsConvGradient = false): Promise<BackendInfo> {
  const notices: string[] = [];
  const with_ = (b: BackendInfo): BackendInfo => ({ ...b, notices });
  if (!wanted || wanted === 'tensorflow') {
    const gpu = await tryTensorflow('@tensorflow/tfjs-node-gpu');
    if (gpu) return with_(gpu);
  }
  if (!wanted || wanted === 'native') {
    const native = await tryNativeEngine();
    if (typeof native !== 'string') return with_(native);
    notices.push(
      `the native CPU engine is not available (${native}); using TensorFlow.js, which is much slower`,
    );
  }
  if (!wanted || wanted === 'tensorflow') {
    const cpu = await tryTensorflow('@tensorflow/tfjs-node');
    if (cpu) return with_(cpu);
    if (wanted === 'tensorflow') notices.push('tensorflow was asked for but does not load here');
  }
  if (wanted !== 'cpu') {
    if (needsConvGradient) notices.push('the wasm backend cannot train a convolution; using cpu');
    else {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm'))
        return { name: 'wasm', version: tf.version.tfjs, device: 'CPU (WebAssembly, 1 thread)', notices };
      notices.push('the wasm backend did not start; using cpu');
    }
  }
  await useQuietCpu();
  return { name: 'cpu', version: tf.version.tfjs, device: 'CPU (JavaScript)', notices };
}
