import { join } from 'node:path';
import type { TrainProgress } from '../api-types';
import type { JobMessage, TrialOrder, TrialOutcome } from '../jobs/job-protocol';
import { spawnWorker } from '../worker-spawn';

/** A trial under way in its own model worker. */
export interface TrialHandle {
  /** Asks it to stop between batches (the worker is stopped hard if it has not within the grace). */
  cancel(): void;
  /** Its outcome, or the error that ended it. */
  done: Promise<TrialOutcome | { error: string }>;
}

export type SpawnTrial = (
  order: Omit<TrialOrder, 'cancelFlag'>,
  onProgress: (p: TrainProgress) => void,
) => TrialHandle;

const CANCEL_GRACE_MS = 3000;

/** Runs a trial in a model worker (the same entry point as training jobs), with its own engine instance. */
export const spawnTrialWorker: SpawnTrial = (order, onProgress) => {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = spawnWorker('train-worker', join(__dirname, '..', 'jobs', 'train-worker.ts'), {
    ...order,
    cancelFlag: flag.buffer as SharedArrayBuffer,
  } satisfies TrialOrder);
  let ended = false;
  const done = new Promise<TrialOutcome | { error: string }>((resolve) => {
    worker.on('message', (m: JobMessage) => {
      if (m.type === 'progress') onProgress(m.progress as TrainProgress);
      else {
        ended = true;
        resolve(m.type === 'done' ? (m.result as TrialOutcome) : { error: m.message });
      }
    });
    worker.on('error', (e) => {
      ended = true;
      resolve({ error: e.message });
    });
    worker.on('exit', (code) => {
      if (!ended) resolve({ error: `the trial's worker stopped (exit code ${code})` });
    });
  });
  return {
    cancel() {
      Atomics.store(flag, 0, 1);
      setTimeout(() => {
        if (!ended) void worker.terminate();
      }, CANCEL_GRACE_MS).unref();
    },
    done,
  };
};
