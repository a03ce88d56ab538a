import type { Db } from '../store/db';
import { Evaluator } from '../eval/evaluator';
import { storeEvalSummary } from '../eval/run-summary';
import type { JobHooks } from '../jobs/run-job';
import type { TrialOrder, TrialOutcome } from '../jobs/job-protocol';
import { runTraining } from '../model/run-training';
import { scoreRun } from '../model/score';

/**
 * One trial, in a model worker: train; for a detection objective, score every
 * drive and evaluate the test drives at drive level (the same numbers the
 * Threshold tab shows for that run).
 */
export async function runTrial(db: Db, order: TrialOrder, hooks: JobHooks): Promise<TrialOutcome> {
  const r = await runTraining(db, order.dbPath, order.config, {
    onProgress: hooks.onProgress,
    isCancelled: hooks.isCancelled,
    threads: order.threads,
  });
  if (r.status !== 'done') return { ...r, objective: null };
  const o = order.objective;
  if (o.kind === 'val-loss') return { ...r, objective: r.valLoss };
  const scored = await scoreRun(db, r.runId, { isCancelled: hooks.isCancelled });
  if (scored.status === 'cancelled') return { ...r, status: 'cancelled', objective: null };
  storeEvalSummary(db, r.runId);
  const session = new Evaluator(db).session(r.runId);
  const objective =
    o.kind === 'detection-at-far'
      ? session.at('drive', session.thresholdFor('drive', { kind: 'far', far: o.far })).recall
      : session.curves('drive', 'model', 50).averagePrecision;
  return { ...r, objective };
}
