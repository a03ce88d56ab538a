import { workerData } from 'node:worker_threads';
import { runImport } from '../import/import-run';
import { runJob } from './run-job';
import type { JobOrder } from './job-protocol';

/** The import job's thread. Training has its own entry (train-worker.ts) so an import never loads TensorFlow.js. */
void runJob(workerData as JobOrder, (db, order, hooks) => {
  if (order.kind !== 'import') throw new Error(`the import worker cannot run a ${order.kind} job`);
  return runImport(db, order.paths, hooks);
});
