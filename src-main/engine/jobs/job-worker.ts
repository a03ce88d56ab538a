import { parentPort, workerData } from 'node:worker_threads';
import { runImport } from '../import/import-run';
import { openDb } from '../store/db';
import type { JobMessage, JobOrder } from './job-protocol';

/** Runs one job off the engine's thread, with its own database connection (the only writer). */
async function main(order: JobOrder): Promise<void> {
  const post = (m: JobMessage): void => parentPort?.postMessage(m);
  const cancel = new Int32Array(order.cancelFlag);
  const db = openDb(order.dbPath);
  try {
    const result = await runImport(db, order.paths, {
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

void main(workerData as JobOrder);
