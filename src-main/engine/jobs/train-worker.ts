import { workerData } from 'node:worker_threads';
import { runTraining } from '../model/run-training';
import { scoreRun } from '../model/score';
import { runTrial } from '../search/trial';
import { storeEvalSummary } from '../eval/run-summary';
import type { JobOrder } from './job-protocol';
import { runUpdate } from '../triage/update-job';
import { runJob } from './run-job';

/** The model jobs' thread (training, scoring, updates with the run in service, a search's trials): TensorFlow.js and its backend live here, off the engine's thread. */
void runJob(workerData as JobOrder, (db, order, hooks) => {
  if (order.kind === 'train') return runTraining(db, order.dbPath, order.config, hooks, order.resumeRunId);
  if (order.kind === 'score')
    return scoreRun(db, order.runId, hooks).then((r) => {
      if (r.status === 'done') storeEvalSummary(db, order.runId);
      return r;
    });
  if (order.kind === 'update') return runUpdate(db, order.backfill, hooks);
  if (order.kind === 'trial') return runTrial(db, order, hooks);
  throw new Error(`the model worker cannot run a ${order.kind} job`);
});
