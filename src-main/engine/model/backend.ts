import * as tf from '@tensorflow/tfjs';
import util from 'node:util';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

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

async function tryNative(notices: string[]): Promise<BackendInfo | null> {
  restoreUtilHelpers();
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // Optional dependencies: absent on most machines (they download libtensorflow at install).
      await import(pkg);
      if (await tf.setBackend('tensorflow')) {
        const gpu = pkg.endsWith('-gpu');
        return {
          name: 'tensorflow',
          version: tf.version.tfjs,
          device: gpu ? 'CUDA GPU (TensorFlow)' : 'CPU (TensorFlow)',
          notices,
        };
      }
    } catch {
      // not installed or not loadable here
    }
  }
  notices.push('the native TensorFlow backend is not installed; using a slower JavaScript backend');
  return null;
}

/**
 * Picks the fastest backend that loads, in order tensorflow (CUDA, then CPU) ->
 * wasm -> cpu, or the one asked for. `needsConvGradient`: wasm cannot train a
 * convolution (no Conv2DBackpropFilter), so such a run falls back to cpu and says so.
 */
export async function selectBackend(wanted?: BackendName, needsConvGradient = false): Promise<BackendInfo> {
  const notices: string[] = [];
  if (!wanted || wanted === 'tensorflow') {
    const native = await tryNative(notices);
    if (native) return native;
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
  await tf.setBackend('cpu');
  return { name: 'cpu', version: tf.version.tfjs, device: 'CPU (JavaScript)', notices };
}
