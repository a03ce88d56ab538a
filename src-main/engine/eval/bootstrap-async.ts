import { join } from 'node:path';
import { spawnWorker } from '../worker-spawn';
import { bootstrap, type BootstrapInput, type BootstrapIntervals, type BootstrapOptions } from './bootstrap';

/** Below this many item-replicates a bootstrap takes milliseconds: a worker would cost more than it saves. */
const INLINE_WORK = 2_000_000;

/**
 * The bootstrap, in a worker thread when it is big (a window-level report over
 * a million windows takes seconds), so the engine keeps answering the UI
 * meanwhile. Same function, same seed: the same intervals either way.
 */
export function bootstrapAsync(
  input: BootstrapInput,
  options: BootstrapOptions,
): Promise<BootstrapIntervals> {
  if (input.score.length * options.reps < INLINE_WORK) return Promise.resolve(bootstrap(input, options));
  return new Promise((resolve, reject) => {
    const worker = spawnWorker('bootstrap-worker', join(__dirname, 'bootstrap-worker.ts'), {
      input,
      options,
    });
    let settled = false;
    worker.once('message', (r: BootstrapIntervals) => {
      settled = true;
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the bootstrap worker stopped (exit code ${code})`));
    });
  });
}
