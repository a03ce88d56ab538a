import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiError,
  type EpochSummary,
  type TrainConfig,
  type TrainProgress,
  type TrainResult,
} from '../api-types';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import type { Db } from '../store/db';
import { selectBackend } from './backend';
import { buildDataset, DEFAULT_DATASET, type Dataset, type DatasetConfig } from './dataset';
import { convAutoencoder, lstmAutoencoder, lstmClassifier } from './models';
import { DEFAULT_LOOP, trainLoop, type BatchRecord, type Checkpoint, type LoopConfig } from './train';
import { nativeStep } from './native/native-step';
import { tfjsStep } from './train-step';
import { indexWindows } from './window-index';
import { saveModel } from './weights-io';
import { splitRecordOf, writeSplitRecord } from './split-record';
import { fitRobust, type RobustStats } from '../eval/baselines';
import { runDir, type ResolvedTrainConfig } from './run-store';
import { WINDOW_FEATURES } from './gbdt/window-features';
import { trainTrees } from './gbdt/train-trees';
import { networkFoldDir, writeFolds } from './gbdt/model-files';
import { assignFolds } from './split';
import { treeBackend } from './native/tree-backend';

export type { ResolvedTrainConfig } from './run-store';

export interface TrainHooks {
  onProgress?(p: TrainProgress): void;
  isCancelled?(): boolean;
  /** Threads the native engine may use (a search running two trials at once gives each one core). */
  threads?: number;
}

/** The columns a model reads by default: raw SMART values filled in at least half of the readings. */
export function defaultAttributes(db: Db): string[] {
  const rows = db.prepare('SELECT sum(days_seen) FROM drives').pluck().get() as number | null;
  const names = db
    .prepare(
      "SELECT name FROM attributes WHERE kind = 'raw' AND present_rows >= ? ORDER BY present_rows DESC, slot LIMIT 21",
    )
    .pluck()
    .all(Math.max(1, (rows ?? 0) / 2)) as string[];
  if (names.length === 0)
    throw new Error('no SMART attribute is filled often enough to learn from; import data first');
  return names;
}

export function resolveConfig(db: Db, c: TrainConfig): ResolvedTrainConfig {
  const given = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as TrainConfig;
  const { healthyOnly: _byModel, ...loop } = DEFAULT_LOOP;
  const classifier = c.model === 'lstm-clf';
  const trees = c.model === 'gbdt';
  return {
    ...DEFAULT_DATASET,
    ...loop,
    units: c.model === 'lstm-ae' ? 128 : 64,
    depth: 0,
    filters: 32,
    dropout: 0,
    perDay: false,
    loss: classifier ? { kind: 'weighted-bce', positiveWeight: 100 } : { kind: 'mse' },
    clipNorm: 1,
    // The sequence models read each counter's daily change beside its level: on the sample's 5-fold
    // cross-validation it lifts the convolution autoencoder's AP from 0.18 to 0.24 (detection at FAR 5%: 0.53 to
    // 0.78) and the classifier's from 0.11 to 0.17.
    dailyChanges: true,
    ...DEFAULT_TREES,
    ...(trees ? TREE_OVERRIDES : {}),
    folds: trees ? defaultFolds(db, given.testFraction ?? DEFAULT_DATASET.testFraction) : 0,
    ...given,
    attributes: c.attributes ?? defaultAttributes(db),
  };
}

/** The tree settings every run carries (used by model 'gbdt' only). */
const DEFAULT_TREES = {
  rounds: 300,
  maxDepth: 2,
  maxLeaves: 0,
  minChildWeight: 5,
  lambda: 1,
  minSplitGain: 0,
  subsample: 0.8,
  colsample: 0.8,
  windowFeatures: [...WINDOW_FEATURES],
  driveModelInput: true,
  capacityInput: true,
  ruleInput: true,
  monotoneCounters: true,
  ensemble: 1,
  maxTrainWindows: 2_000_000,
} satisfies Partial<ResolvedTrainConfig>;

/**
 * Where trees differ from the sequence models' defaults: rate per round, the imbalance, early stopping in rounds,
 * and 8-day windows (a week's change needs 8 days; a shorter window leaves more failed drives with a window before
 * their failure). Shallow trees with a floor on child weight: tens of failed drives do not support deeper ones
 * (5-fold cross-validation on the sample: depth 2 AP 0.41, depth 3 0.38, depth 4 0.30).
 */
const TREE_OVERRIDES = {
  learningRate: 0.05,
  loss: { kind: 'weighted-bce', positiveWeight: 50 },
  earlyStopPatience: 50,
  windowDays: 8,
} satisfies Partial<ResolvedTrainConfig>;

/** Cross-validate when the held-out split would hold fewer than 50 failed drives: its figures could not rank models. */
export function defaultFolds(db: Db, testFraction: number): number {
  const failed = db
    .prepare('SELECT count(*) FROM drives WHERE failure_day IS NOT NULL')
    .pluck()
    .get() as number;
  return Math.round(failed * testFraction) < 50 ? 5 : 0;
}

/** The robust z-score baseline, fitted on the same training drives and days as the scaler. */
function fitRobustBaseline(db: Db, ds: Dataset): RobustStats {
  const modelOf = new Map(db.prepare('SELECT id, model FROM drives').raw().all() as [number, string][]);
  return fitRobust(
    ds.cube,
    ds.split.map((s) => s === 'train'),
    Array.from(ds.cube.driveIds, (id) => modelOf.get(id) ?? ''),
    ds.testFrom === null ? ds.cube.days : ds.testFrom - ds.cube.firstDay,
  );
}

/** sha256 over the imported files (by content) and the dataset settings: equal fingerprints, equal data. */
function fingerprint(db: Db, d: DatasetConfig): string {
  const files = db
    .prepare("SELECT sha256 FROM files WHERE status = 'done' ORDER BY sha256")
    .pluck()
    .all() as string[];
  return createHash('sha256').update(JSON.stringify({ files, d })).digest('hex');
}

/**
 * One training run from start to stored result: backend, dataset, model, the
 * loop, telemetry into run_epochs / run_batches, the best weights saved in the
 * tfjs layers format with the scaler and the settings. Runs in a job worker.
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
  const needsConvGradient = c.model === 'conv-ae';
  const trees = c.model === 'gbdt';
  const backend = trees ? treeBackend() : await selectBackend(c.backend, needsConvGradient);
  const dsConfig: DatasetConfig = {
    attributes: c.attributes,
    windowDays: c.windowDays,
    horizonDays: c.horizonDays,
    stride: c.stride,
    maxGapDays: c.maxGapDays,
    // Trees compute their own changes from the raw window (window-features.ts).
    dailyChanges: !trees && c.dailyChanges,
    valFraction: c.valFraction,
    // Cross-validation evaluates on every drive: none is held out of all models.
    testFraction: c.folds >= 2 ? 0 : c.testFraction,
    testFromDay: c.testFromDay ?? null,
    seed: c.seed,
  };
  const started = new Date().toISOString();
  const runId = resumed
    ? resumed.runId
    : Number(
        db
          .prepare(
            `INSERT INTO runs(kind, status, config, dataset_fingerprint, backend, backend_version, device, started_at)
         VALUES (?, 'running', ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            c.model,
            JSON.stringify(c),
            fingerprint(db, dsConfig),
            backend.name,
            backend.version,
            backend.device,
            started,
          ).lastInsertRowid,
      );
  const t0 = performance.now();
  const notices = [...backend.notices];
  const finish = (status: TrainResult['status'], extra: Partial<TrainResult>): TrainResult => {
    const seconds = (performance.now() - t0) / 1000;
    const r: TrainResult = {
      runId,
      status,
      backend: backend.name,
      device: backend.device,
      epochs: extra.epochs ?? 0,
      finalLoss: extra.finalLoss ?? null,
      valLoss: extra.valLoss ?? null,
      seconds,
      notices,
      error: extra.error,
    };
    db.prepare(
      `UPDATE runs SET status = ?, finished_at = ?, seconds = ?, epochs_done = ?, final_loss = ?, val_loss = ?,
       notices = ?, error = ?, weights_dir = ? WHERE id = ?`,
    ).run(
      status,
      new Date().toISOString(),
      seconds,
      r.epochs,
      r.finalLoss,
      r.valLoss,
      JSON.stringify(notices),
      r.error ?? null,
      extra.error ? null : runDir(dbPath, runId),
      runId,
    );
    return r;
  };
  let ds;
  try {
    ds = buildDataset(db, dsConfig, { keepRaw: trees });
  } catch (err) {
    return finish('failed', { error: (err as Error).message });
  }
  notices.push(...ds.notices);
  if (trees) {
    try {
      return finish(...trainTreeRun(db, dbPath, runId, c, ds, hooks, backend, t0, notices));
    } catch (err) {
      return finish('failed', { error: (err as Error).message });
    }
  }
  const F = ds.scaler.features.length;
  const loop: LoopConfig = { ...c, healthyOnly: c.model !== 'lstm-clf' };
  if (c.folds >= 2) {
    // Cross-validation: one network per fold first (each drive's scores will come from the one that never saw it);
    // then the final network below, on every drive, with the run's telemetry and checkpoints.
    try {
      notices.push(await trainFoldNetworks(runDir(dbPath, runId), c, ds, loop, hooks, runId, backend));
    } catch (err) {
      return finish(hooks.isCancelled?.() ? 'cancelled' : 'failed', { error: (err as Error).message });
    }
    if (hooks.isCancelled?.()) return finish('cancelled', {});
  }
  const model = buildNetwork(c, F);
  let step;
  try {
    step = stepFor(model, c, backend.name, hooks.threads);
  } catch (err) {
    // A model the engine cannot run must end its run, not leave it marked running.
    model.dispose();
    return finish('failed', { error: (err as Error).message });
  }
  const trainCount = indexWindows(ds, { splits: ['train'], healthyOnly: loop.healthyOnly }).count;
  const perEpoch = c.maxWindowsPerEpoch > 0 ? Math.min(c.maxWindowsPerEpoch, trainCount) : trainCount;
  const batches = Math.max(1, Math.ceil(perEpoch / c.batchSize));
  const insertBatch = db.prepare(
    'INSERT INTO run_batches(run_id, epoch, batch, loss, grad_norm, learning_rate, spike) VALUES (?,?,?,?,?,?,?)',
  );
  const insertEpoch = db.prepare(
    'INSERT INTO run_epochs(run_id, epoch, train_loss, val_loss, seconds) VALUES (?,?,?,?,?)',
  );
  // Batches go to the database and to the live charts on every report (4 a second at most), epochs at once.
  const pending: BatchRecord[] = [];
  const flush = db.transaction(() => {
    for (const b of pending)
      insertBatch.run(runId, b.epoch, b.batch, b.loss, b.gradNorm, b.learningRate, b.spike ? 1 : 0);
    pending.length = 0;
  });
  const unsentEpochs: EpochSummary[] = [];
  let lastReport = 0;
  let done = 0;
  let latest: BatchRecord | null = null;
  const report = (): void => {
    const sent = pending.slice();
    flush();
    if (!hooks.onProgress || !latest) return;
    lastReport = performance.now();
    const secs = (lastReport - t0) / 1000;
    const rate = (done * c.batchSize) / secs;
    const left = c.epochs * batches - done;
    hooks.onProgress({
      runId,
      backend: backend.name,
      device: backend.device,
      // After cross-validation's fold networks, the final one is the last of folds + 1 models.
      fraction: (Math.max(0, c.folds) + done / (c.epochs * batches)) / (Math.max(0, c.folds) + 1),
      epoch: latest.epoch + 1,
      epochs: c.epochs,
      batch: latest.batch + 1,
      batches,
      loss: latest.loss,
      seqPerSec: rate,
      etaSec: rate > 0 ? (left * c.batchSize) / rate : null,
      newBatches: sent,
      newEpochs: unsentEpochs.splice(0),
    });
  };
  try {
    const result = trainLoop(step, ds, loop, {
      isCancelled: hooks.isCancelled,
      onBatch: (b) => {
        pending.push(b);
        latest = b;
        done++;
        if (performance.now() - lastReport > 250) report();
      },
      resume: resumed?.checkpoint,
      onEpoch: (e, _step, checkpoint) => {
        insertEpoch.run(runId, e.epoch, e.trainLoss, e.valLoss, e.seconds);
        unsentEpochs.push({ epoch: e.epoch, trainLoss: e.trainLoss, valLoss: e.valLoss, seconds: e.seconds });
        report();
        db.prepare('UPDATE runs SET epochs_done = ? WHERE id = ?').run(e.epoch + 1, runId);
        const dir = runDir(dbPath, runId);
        mkdirSync(dir, { recursive: true });
        saveCheckpoint(dir, checkpoint);
      },
    });
    flush();
    const last = result.epochs.at(-1);
    const epochsDone = (resumed?.checkpoint.epoch ?? 0) + result.epochs.length;
    if (epochsDone > 0) {
      step.restore(result.bestWeights);
      const dir = runDir(dbPath, runId);
      await saveModel(model, dir);
      writeFileSync(join(dir, 'scaler.json'), JSON.stringify(ds.scaler));
      writeSplitRecord(dir, splitRecordOf(db, ds, c.folds >= 2));
      writeFileSync(join(dir, 'robust.json'), JSON.stringify(fitRobustBaseline(db, ds)));
      writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
    }
    if (result.stoppedBy === 'early-stop')
      notices.push(`stopped early after ${result.epochs.length} epochs: validation loss stopped improving`);
    return finish(result.stoppedBy === 'cancelled' ? 'cancelled' : 'done', {
      epochs: epochsDone,
      finalLoss: last?.trainLoss ?? null,
      valLoss: result.bestValLoss,
    });
  } catch (err) {
    flush();
    // The checkpoint of the last whole epoch stays: the run can be resumed from it (say, after lowering the learning rate).
    return finish('failed', { error: (err as Error).message });
  } finally {
    step.dispose();
    model.dispose();
  }
}

/** The network a run's settings describe. */
function buildNetwork(c: ResolvedTrainConfig, F: number): ReturnType<typeof lstmAutoencoder> {
  if (c.model === 'lstm-ae')
    return lstmAutoencoder({
      windowDays: c.windowDays,
      features: F,
      units: c.units,
      depth: c.depth,
      dropout: c.dropout,
      seed: c.seed,
    });
  if (c.model === 'conv-ae')
    return convAutoencoder({
      windowDays: c.windowDays,
      features: F,
      filters: c.filters,
      dropout: c.dropout,
      seed: c.seed,
    });
  return lstmClassifier({
    windowDays: c.windowDays,
    features: F,
    units: [c.units, c.units],
    dropout: c.dropout,
    perDay: c.perDay,
    seed: c.seed,
  });
}

/** The training engine for a network: native where it runs, else TensorFlow.js. */
function stepFor(
  model: ReturnType<typeof lstmAutoencoder>,
  c: ResolvedTrainConfig,
  backend: string,
  threads: number | undefined,
): ReturnType<typeof tfjsStep> {
  const stepOptions = {
    loss: c.loss,
    target: c.model === 'lstm-clf' ? ('label' as const) : ('input' as const),
    clipNorm: c.clipNorm,
    perDay: c.perDay,
  };
  return backend === 'native'
    ? nativeStep(model, stepOptions, { seed: c.seed, threads })
    : tfjsStep(model, stepOptions);
}

/**
 * Cross-validation of a network: fold k's network trains on the other folds' training drives, stops early on their
 * validation drives, never sees fold k, and is saved in `fold-K/` (a fold already saved, by a run resumed after a
 * stop, is kept). Progress spans every fold and the final model.
 */
async function trainFoldNetworks(
  dir: string,
  c: ResolvedTrainConfig,
  ds: Dataset,
  loop: LoopConfig,
  hooks: TrainHooks,
  runId: number,
  backend: { name: string; device: string },
): Promise<string> {
  const fold = assignFolds(
    Array.from(ds.failureDay, (d) => d >= 0),
    c.folds,
    c.seed,
  );
  const models = c.folds + 1;
  const t0 = performance.now();
  for (let k = 0; k < c.folds; k++) {
    const out = join(dir, networkFoldDir(k));
    if (existsSync(join(out, 'model.json'))) continue;
    const split = ds.split.map((s, row) => (fold[row] === k ? ('test' as const) : s));
    const foldDs: Dataset = { ...ds, split };
    const model = buildNetwork(c, ds.scaler.features.length);
    const step = stepFor(model, c, backend.name, hooks.threads);
    const trainCount = indexWindows(foldDs, { splits: ['train'], healthyOnly: loop.healthyOnly }).count;
    const perEpoch = c.maxWindowsPerEpoch > 0 ? Math.min(c.maxWindowsPerEpoch, trainCount) : trainCount;
    const perModel = Math.max(1, c.epochs * Math.ceil(perEpoch / c.batchSize));
    try {
      let done = 0;
      let last = 0;
      const result = trainLoop(step, foldDs, loop, {
        isCancelled: hooks.isCancelled,
        onBatch: (b) => {
          done++;
          const now = performance.now();
          if (!hooks.onProgress || now - last < 250) return;
          last = now;
          const fraction = (k + Math.min(1, done / perModel)) / models;
          const secs = (now - t0) / 1000;
          hooks.onProgress({
            runId,
            backend: backend.name,
            device: backend.device,
            fraction,
            epoch: b.epoch + 1,
            epochs: c.epochs,
            batch: k + 1,
            batches: models,
            loss: b.loss,
            seqPerSec: (done * c.batchSize) / secs,
            etaSec: fraction > 0.02 ? (secs / fraction) * (1 - fraction) : null,
            newBatches: [],
            newEpochs: [],
          });
        },
      });
      if (result.stoppedBy === 'cancelled') return 'cancelled during cross-validation';
      step.restore(result.bestWeights);
      mkdirSync(out, { recursive: true });
      await saveModel(model, out);
    } finally {
      step.dispose();
      model.dispose();
    }
  }
  writeFolds(dir, ds.cube.driveIds, fold, c.folds, c.seed);
  return `${c.folds}-fold cross-validation by drive: every drive is scored by the network that did not train on it; the final network (all drives) scores new data`;
}

/**
 * A tree run: the models (per fold, then final) into the run folder, each round of the final model recorded as an
 * epoch (training and validation loss), progress across every model; then what scoring needs beside the trees.
 */
function trainTreeRun(
  db: Db,
  dbPath: string,
  runId: number,
  c: ResolvedTrainConfig,
  ds: Dataset,
  hooks: TrainHooks,
  backend: { name: string; device: string },
  t0: number,
  notices: string[],
): [TrainResult['status'], Partial<TrainResult>] {
  const dir = runDir(dbPath, runId);
  mkdirSync(dir, { recursive: true });
  const insertEpoch = db.prepare(
    'INSERT INTO run_epochs(run_id, epoch, train_loss, val_loss, seconds) VALUES (?,?,?,?,?)',
  );
  // Each round is also one "batch" of the loss chart (x = round), so the live charts draw trees unchanged.
  const insertBatch = db.prepare(
    'INSERT INTO run_batches(run_id, epoch, batch, loss, grad_norm, learning_rate, spike) VALUES (?,?,0,?,0,?,0)',
  );
  let lastReport = 0;
  let lastRound = t0;
  const unsent: EpochSummary[] = [];
  const unsentBatches: BatchRecord[] = [];
  const outcome = trainTrees(db, dir, c, ds, {
    isCancelled: () => hooks.isCancelled?.() ?? false,
    threads: hooks.threads,
    onRound: (r) => {
      const now = performance.now();
      const final = r.model === r.models - 1;
      if (final) {
        const e = {
          epoch: r.round,
          trainLoss: r.trainLoss,
          valLoss: r.valLoss,
          seconds: (now - lastRound) / 1000,
        };
        insertEpoch.run(runId, e.epoch, e.trainLoss, e.valLoss, e.seconds);
        insertBatch.run(runId, r.round, r.trainLoss, c.learningRate);
        unsent.push(e);
        unsentBatches.push({
          epoch: r.round,
          batch: 0,
          loss: r.trainLoss,
          gradNorm: 0,
          learningRate: c.learningRate,
          spike: false,
        });
      }
      lastRound = now;
      if (!hooks.onProgress || (now - lastReport < 250 && r.round + 1 < r.rounds)) return;
      lastReport = now;
      const fraction = (r.model + (r.round + 1) / r.rounds) / r.models;
      const secs = (now - t0) / 1000;
      hooks.onProgress({
        runId,
        backend: backend.name,
        device: backend.device,
        fraction,
        epoch: r.round + 1,
        epochs: r.rounds,
        batch: r.model + 1,
        batches: r.models,
        loss: r.trainLoss,
        seqPerSec: 0,
        // Rounds may stop early: an upper bound, from the time per round so far.
        etaSec: fraction > 0.02 ? (secs / fraction) * (1 - fraction) : null,
        newBatches: unsentBatches.splice(0),
        newEpochs: unsent.splice(0),
      });
    },
  });
  notices.push(...outcome.notices);
  if (outcome.status === 'cancelled') return ['cancelled', { epochs: 0, error: undefined }];
  writeFileSync(join(dir, 'scaler.json'), JSON.stringify(ds.scaler));
  writeSplitRecord(dir, splitRecordOf(db, ds, c.folds >= 2));
  writeFileSync(join(dir, 'robust.json'), JSON.stringify(fitRobustBaseline(db, ds)));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
  const valLoss = outcome.valLoss.filter((v): v is number => v !== null);
  return [
    'done',
    {
      epochs: outcome.rounds,
      finalLoss: outcome.trainLoss[outcome.rounds - 1] ?? null,
      valLoss: valLoss.length ? Math.min(...valLoss) : null,
    },
  ];
}

/** Checks that a run can be resumed and prepares its row: telemetry after the checkpoint is dropped. */
function openForResume(
  db: Db,
  dbPath: string,
  runId: number,
): { runId: number; config: ResolvedTrainConfig; checkpoint: Checkpoint } {
  const row = db.prepare('SELECT status, config FROM runs WHERE id = ?').get(runId) as
    { status: string; config: string } | undefined;
  if (!row) throw new ApiError('not-found', `no training run with id ${runId}`);
  if (row.status === 'running' || row.status === 'done') {
    throw new ApiError(
      'conflict',
      `run ${runId} is ${row.status}; only a cancelled or failed run can be resumed`,
    );
  }
  const checkpoint = loadCheckpoint(runDir(dbPath, runId));
  if (!checkpoint)
    throw new ApiError(
      'conflict',
      `run ${runId} stopped before its first epoch ended: there is no checkpoint to resume from`,
    );
  db.transaction(() => {
    db.prepare('DELETE FROM run_batches WHERE run_id = ? AND epoch >= ?').run(runId, checkpoint.epoch);
    db.prepare('DELETE FROM run_epochs WHERE run_id = ? AND epoch >= ?').run(runId, checkpoint.epoch);
    db.prepare(
      "UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, epochs_done = ? WHERE id = ?",
    ).run(checkpoint.epoch, runId);
  })();
  return { runId, config: JSON.parse(row.config) as ResolvedTrainConfig, checkpoint };
}
