import { parentPort } from 'node:worker_threads';
import type {
  ImportProgress,
  ImportResult,
  ScoreProgress,
  ScoreResult,
  TrainProgress,
  TrainResult,
} from '../api-types';
import { openDb, type Db } from '../store/db';
import type { JobMessage, JobOrder } from './job-protocol';

export interface JobHooks {
  onProgress(p: ImportProgress | TrainProgress | ScoreProgress): void;
  isCancelled(): boolean;
}

/** The frame of every job worker: its own database connection, progress and cancel wired to the engine. */
export async function runJob(
  order: JobOrder,
  work: (db: Db, order: JobOrder, hooks: JobHooks) => Promise<ImportResult | TrainResult | ScoreResult>,
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
