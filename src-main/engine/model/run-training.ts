import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/** Every setting of a run, defaults filled in: what is stored with the run and its weights. */
export type ResolvedTrainConfig = Required<Omit<TrainConfig, 'backend'>> & Pick<TrainConfig, 'backend'>;

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
    ...given,
    attributes: c.attributes ?? defaultAttributes(db),
  };
}

/** Where a run's weights live: beside the workspace database, one folder per run. */
export function runDir(dbPath: string, runId: number): string {
  return join(dirname(dbPath), `${basename(dbPath)}.runs`, String(runId));
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
  const backend = await selectBackend(c.backend, needsConvGradient);
  const dsConfig: DatasetConfig = {
    attributes: c.attributes,
    windowDays: c.windowDays,
    horizonDays: c.horizonDays,
    stride: c.stride,
    maxGapDays: c.maxGapDays,
    valFraction: c.valFraction,
    testFraction: c.testFraction,
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
    ds = buildDataset(db, dsConfig);
  } catch (err) {
    return finish('failed', { error: (err as Error).message });
  }
  notices.push(...ds.notices);
  const F = ds.scaler.features.length;
  const model =
    c.model === 'lstm-ae'
      ? lstmAutoencoder({
          windowDays: c.windowDays,
          features: F,
          units: c.units,
          depth: c.depth,
          dropout: c.dropout,
          seed: c.seed,
        })
      : c.model === 'conv-ae'
        ? convAutoencoder({
            windowDays: c.windowDays,
            features: F,
            filters: c.filters,
            dropout: c.dropout,
            seed: c.seed,
          })
        : lstmClassifier({
            windowDays: c.windowDays,
            features: F,
            units: [c.units, c.units],
            dropout: c.dropout,
            perDay: c.perDay,
            seed: c.seed,
          });
  const stepOptions = {
    loss: c.loss,
    target: c.model === 'lstm-clf' ? ('label' as const) : ('input' as const),
    clipNorm: c.clipNorm,
    perDay: c.perDay,
  };
  let step;
  try {
    step =
      backend.name === 'native'
        ? nativeStep(model, stepOptions, { seed: c.seed, threads: hooks.threads })
        : tfjsStep(model, stepOptions);
  } catch (err) {
    // A model the engine cannot run must end its run, not leave it marked running.
    model.dispose();
    return finish('failed', { error: (err as Error).message });
  }
  const loop: LoopConfig = { ...c, healthyOnly: c.model !== 'lstm-clf' };
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
      fraction: done / (c.epochs * batches),
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
      writeSplitRecord(dir, splitRecordOf(db, ds));
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

/** Deletes a run: its row, its telemetry and its weights folder. */
export function deleteRun(db: Db, dbPath: string, runId: number): number {
  const n = db.transaction(() => {
    db.prepare('DELETE FROM scores WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM run_batches WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM run_epochs WHERE run_id = ?').run(runId);
    return db.prepare('DELETE FROM runs WHERE id = ?').run(runId).changes;
  })();
  rmSync(runDir(dbPath, runId), { recursive: true, force: true });
  return n;
}
