import { workerData } from 'node:worker_threads';
import { runTraining } from '../model/run-training';
import type { JobOrder } from './job-protocol';
import { runJob } from './run-job';

/** The training job's thread: TensorFlow.js and its backend live here, off the engine's thread. */
void runJob(workerData as JobOrder, (db, order, hooks) => {
  if (order.kind !== 'train') throw new Error(`the training worker cannot run a ${order.kind} job`);
  return runTraining(db, order.dbPath, order.config, hooks);
});
