import type { BackendInfo } from '../backend';
import { loadNative, type NativeModule } from './addon';

/** How a run records the native engine: its version, instruction set and threads. */
export function nativeBackendInfo(module: NativeModule): BackendInfo {
  const isa = module.usableIsas()[0];
  return {
    name: 'native',
    version: `${module.version} (${isa})`,
    device: `CPU (native ${isa}, ${module.hardwareThreads()} threads)`,
    notices: [],
  };
}

/** Trees train and score on the native engine alone (no TensorFlow.js is loaded for them). */
export function treeBackend(): BackendInfo {
  const { module, error } = loadNative();
  if (!module)
    throw new Error(`gradient-boosted trees run on the native engine, which is unavailable: ${error}`);
  return nativeBackendInfo(module);
}
