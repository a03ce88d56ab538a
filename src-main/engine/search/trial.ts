import type { Db } from '../store/db';
import { Evaluator } from '../eval/evaluator';
import { storeEvalSummary } from '../eval/run-summary';
import type { JobHooks } from '../jobs/run-job';
import type { TrialOrder, TrialOutcome } from '../jobs/job-protocol';
import { runTraining } from '../model/run-training';
import { scoreRun } from '../model/score';
import { SPLIT_CODE } from '../model/split-record';

/**
 * One trial, in a model worker: train; for a detection objective, score every drive and measure the run's
 * validation drives at drive level. Not the test drives: the search picks its best trial by this number, and a
 * pick made on the test drives would make the best trial's test figures (and its verdict against the rule) look
 * better than the model is. A cross-validated run has no drives outside its evaluation: there the objective is
 * its cross-validated figure, and the search says so.
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
  const evaluator = new Evaluator(db);
  const objectiveOn = hasValidationDrives(db, r.runId) ? 'validation' : 'evaluation';
  const session =
    objectiveOn === 'validation'
      ? evaluator.session(r.runId, 'data', 'validation')
      : evaluator.session(r.runId);
  const objective =
    o.kind === 'detection-at-far'
      ? session.at('drive', session.thresholdFor('drive', { kind: 'far', far: o.far })).recall
      : session.curves('drive', 'model', 50).averagePrecision;
  return { ...r, objective, objectiveOn };
}

/** Whether the run's scored drives include validation drives (none under cross-validation). */
function hasValidationDrives(db: Db, runId: number): boolean {
  return Boolean(
    db.prepare('SELECT 1 FROM scores WHERE run_id = ? AND split = ? LIMIT 1').get(runId, SPLIT_CODE.val),
  );
}
