import { join } from 'node:path';
import type { PairedComparison } from '../api-types';
import { spawnWorker } from '../worker-spawn';
import { bootstrap, type BootstrapInput, type BootstrapIntervals, type BootstrapOptions } from './bootstrap';
import { pairedComparison, type PairedInput, type PairedOptions } from './paired';

/** Below this many item-replicates a bootstrap takes milliseconds: a worker would cost more than it saves. */
const INLINE_WORK = 2_000_000;

/** What the worker computes: one row's intervals, or the paired comparison with the rule. */
export type BootstrapJob =
  | { kind: 'row'; input: BootstrapInput; options: BootstrapOptions }
  | { kind: 'paired'; input: PairedInput; options: PairedOptions };

/**
 * The bootstrap, in a worker thread when it is big (a window-level report over
 * a million windows takes seconds, a paired comparison over 300,000 drives as
 * long), so the engine keeps answering the UI meanwhile. Same function, same
 * seed: the same intervals either way.
 */
export function bootstrapAsync(
  input: BootstrapInput,
  options: BootstrapOptions,
): Promise<BootstrapIntervals> {
  if (input.score.length * options.reps < INLINE_WORK) return Promise.resolve(bootstrap(input, options));
  return inWorker<BootstrapIntervals>({ kind: 'row', input, options });
}

/** The paired comparison with the rule (paired.ts), in a worker thread when it is big. */
export function pairedComparisonAsync(input: PairedInput, options: PairedOptions): Promise<PairedComparison> {
  // Each replicate sweeps both detectors' drives.
  if (2 * input.positive.length * options.reps < INLINE_WORK)
    return Promise.resolve(pairedComparison(input, options));
  return inWorker<PairedComparison>({ kind: 'paired', input, options });
}

function inWorker<T>(job: BootstrapJob): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker('bootstrap-worker', join(__dirname, 'bootstrap-worker.ts'), job);
    let settled = false;
    worker.once('message', (r: T) => {
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
