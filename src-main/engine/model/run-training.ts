import type { TrainConfig, TrainResult } from '../api-types';
import type { Db } from '../store/db';
import { selectBackend } from './backend';
import { buildDataset } from './dataset';
import { treeBackend } from './native/tree-backend';
import { datasetConfigOf, resolveConfig } from './run-config';
import { openForResume, RunRecord } from './run-record';
import { loopOf, trainFinalNetwork, trainFoldNetworks, type TrainHooks } from './train-network';
import { trainTreeRun } from './train-tree-run';

export type { ResolvedTrainConfig } from './run-store';
export type { TrainHooks } from './train-network';
export { defaultAttributes, resolveConfig } from './run-config';

/**
 * One training run from start to stored result: the settings, the engine, the run's row, the dataset, then the
 * trees, or the fold networks (cross-validation) and the final network; telemetry into run_epochs / run_batches
 * and the model files into the run's folder. Runs in a job worker.
 */
export async function runTraining(
  db: Db,
  dbPath: string,
  config: TrainConfig,
  hooks: TrainHooks = {},
  resumeRunId?: number,
): Promise<TrainResult> {
  // A resumed run keeps its own settings and row; its checkpoint says where it stopped.
  const resumed = resumeRunId === undefined ? null : openForResume(db, dbPath, resumeRunId);
  const c = resumed ? resumed.config : resolveConfig(db, config);
  const trees = c.model === 'gbdt';
  const backend = trees ? treeBackend() : await selectBackend(c.backend, c.model === 'conv-ae');
  const dsConfig = datasetConfigOf(c);
  const run = resumed
    ? RunRecord.resume(db, dbPath, resumed.runId, backend)
    : RunRecord.start(db, dbPath, c, dsConfig, backend);
  let ds;
  try {
    ds = buildDataset(db, dsConfig, { keepRaw: trees });
  } catch (err) {
    return run.finish('failed', { error: (err as Error).message });
  }
  run.notices.push(...ds.notices);
  if (trees) {
    try {
      return run.finish(...trainTreeRun(db, run, c, ds, hooks));
    } catch (err) {
      return run.finish('failed', { error: (err as Error).message });
    }
  }
  if (c.folds >= 2) {
    // Cross-validation: one network per fold first (each drive's scores will come from the one that never saw it);
    // then the final network, on every drive, with the run's telemetry and checkpoints.
    try {
      run.notices.push(await trainFoldNetworks(run.dir, c, ds, loopOf(c), hooks, run.runId, run.backend));
    } catch (err) {
      return run.finish(hooks.isCancelled?.() ? 'cancelled' : 'failed', { error: (err as Error).message });
    }
    if (hooks.isCancelled?.()) return run.finish('cancelled');
  }
  return trainFinalNetwork(db, run, c, ds, hooks, resumed?.checkpoint);
}
