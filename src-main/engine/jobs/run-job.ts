import { parentPort } from 'node:worker_threads';
import type { JobProgress, JobResult } from '../api-types';
import { openDb, type Db } from '../store/db';
import type { JobMessage, JobOrder, TrialOutcome } from './job-protocol';

export interface JobHooks {
  onProgress(p: JobProgress): void;
  isCancelled(): boolean;
}

/** The frame of every job worker: its own database connection, progress and cancel wired to the engine. */
export async function runJob(
  order: JobOrder,
  work: (db: Db, order: JobOrder, hooks: JobHooks) => Promise<JobResult | TrialOutcome>,
): Promise<void> {
  const post = (m: JobMessage): void => parentPort?.postMessage(m);
  const cancel = new Int32Array(order.cancelFlag);
  const db = openDb(order.dbPath);
  try {
    const result = await work(db, order, {
      onProgress: (progress) => post({ type: 'progress', progress }),
      isCancelled: () => Atomics.load(cancel, 0) === 1,
    });
    post({ type: 'done', result });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  } finally {
    db.close();
  }
}
