import { secondsLeft } from './eta';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { EpochSummary, TrainProgress, TrainResult } from '../api-types';
import type { Db } from '../store/db';
import { saveCheckpoint } from './checkpoint';
import type { Dataset } from './dataset';
import { networkFoldDir, writeFolds } from './gbdt/model-files';
import { convAutoencoder, lstmAutoencoder, lstmClassifier } from './models';
import { nativeStep } from './native/native-step';
import { writeRunFiles, type RunRecord } from './run-record';
import type { ResolvedTrainConfig } from './run-store';
import { assignFolds } from './split';
import { trainLoop, type BatchRecord, type Checkpoint, type LoopConfig } from './train';
import { tfjsStep } from './train-step';
import { saveModel } from './weights-io';
import { indexWindows } from './window-index';

export interface TrainHooks {
  onProgress?(p: TrainProgress): void;
  isCancelled?(): boolean;
  /** Threads the native engine may use (a search running two trials at once gives each one core). */
  threads?: number;
}

/**
 * The run's network (after the fold networks, if any) on every training drive: batches and epochs into
 * run_batches / run_epochs and the live charts, a checkpoint after each epoch, the best weights saved at the end.
 */
export async function trainFinalNetwork(
  db: Db,
  run: RunRecord,
  c: ResolvedTrainConfig,
  ds: Dataset,
  hooks: TrainHooks,
  resume: Checkpoint | undefined,
): Promise<TrainResult> {
  const loop = loopOf(c);
  const model = buildNetwork(c, ds.scaler.features.length);
  let step;
  try {
    step = stepFor(model, c, run.backend.name, hooks.threads);
  } catch (err) {
    // A model the engine cannot run must end its run, not leave it marked running.
    model.dispose();
    return run.finish('failed', { error: (err as Error).message });
  }
  const trainCount = indexWindows(ds, { splits: ['train'], healthyOnly: loop.healthyOnly }).count;
  const perEpoch = c.maxWindowsPerEpoch > 0 ? Math.min(c.maxWindowsPerEpoch, trainCount) : trainCount;
  const telemetry = new NetworkTelemetry(db, run, c, Math.max(1, Math.ceil(perEpoch / c.batchSize)), hooks);
  try {
    const result = trainLoop(step, ds, loop, {
      isCancelled: hooks.isCancelled,
      onBatch: (b) => telemetry.batch(b),
      resume,
      onEpoch: (e, _step, checkpoint) => {
        telemetry.epoch(e);
        mkdirSync(run.dir, { recursive: true });
        saveCheckpoint(run.dir, checkpoint);
      },
    });
    telemetry.flush();
    const last = result.epochs.at(-1);
    const epochsDone = (resume?.epoch ?? 0) + result.epochs.length;
    if (epochsDone > 0) {
      step.restore(result.bestWeights);
      await saveModel(model, run.dir);
      writeRunFiles(db, run.dir, ds, c);
    }
    if (result.stoppedBy === 'early-stop')
      run.notices.push(
        `stopped early after ${result.epochs.length} epochs: validation loss stopped improving`,
      );
    return run.finish(result.stoppedBy === 'cancelled' ? 'cancelled' : 'done', {
      epochs: epochsDone,
      finalLoss: last?.trainLoss ?? null,
      valLoss: result.bestValLoss,
    });
  } catch (err) {
    telemetry.flush();
    // The checkpoint of the last whole epoch stays: the run can be resumed from it (say, after lowering the learning rate).
    return run.finish('failed', { error: (err as Error).message });
  } finally {
    step.dispose();
    model.dispose();
  }
}

/** The loop's settings: autoencoders learn healthy windows only, the classifier every window. */
export function loopOf(c: ResolvedTrainConfig): LoopConfig {
  return { ...c, healthyOnly: c.model !== 'lstm-clf' };
}

/**
 * A network's telemetry: batches to the database and the live charts on every report (4 a second at most),
 * epochs at once, with the run's progress (after cross-validation's fold networks, the final one is the last of
 * folds + 1 models).
 */
export class NetworkTelemetry {
  private readonly pending: BatchRecord[] = [];
  private readonly unsentEpochs: EpochSummary[] = [];
  private readonly insertEpoch: Statement;
  private readonly updateEpochs: Statement;
  private readonly writePending: () => void;
  private lastReport = 0;
  private done = 0;
  private latest: BatchRecord | null = null;
  /** When the first batch ended: rates are measured from it, not from the run's start (data and model building). */
  private firstBatchAt: number | null = null;

  constructor(
    db: Db,
    private readonly run: RunRecord,
    private readonly c: ResolvedTrainConfig,
    private readonly batches: number,
    private readonly hooks: TrainHooks,
  ) {
    const insertBatch = db.prepare(
      'INSERT INTO run_batches(run_id, epoch, batch, loss, grad_norm, learning_rate, spike) VALUES (?,?,?,?,?,?,?)',
    );
    this.insertEpoch = db.prepare(
      'INSERT INTO run_epochs(run_id, epoch, train_loss, val_loss, seconds) VALUES (?,?,?,?,?)',
    );
    this.updateEpochs = db.prepare('UPDATE runs SET epochs_done = ? WHERE id = ?');
    this.writePending = db.transaction(() => {
      for (const b of this.pending)
        insertBatch.run(run.runId, b.epoch, b.batch, b.loss, b.gradNorm, b.learningRate, b.spike ? 1 : 0);
      this.pending.length = 0;
    });
  }

  batch(b: BatchRecord): void {
    this.firstBatchAt ??= performance.now();
    this.pending.push(b);
    this.latest = b;
    this.done++;
    if (performance.now() - this.lastReport > 250) this.report();
  }

  epoch(e: EpochSummary): void {
    this.insertEpoch.run(this.run.runId, e.epoch, e.trainLoss, e.valLoss, e.seconds);
    this.unsentEpochs.push({
      epoch: e.epoch,
      trainLoss: e.trainLoss,
      valLoss: e.valLoss,
      seconds: e.seconds,
    });
    this.report();
    this.updateEpochs.run(e.epoch + 1, this.run.runId);
  }

  flush(): void {
    this.writePending();
  }

  private report(): void {
    const sent = this.pending.slice();
    this.flush();
    const latest = this.latest;
    if (!this.hooks.onProgress || !latest) return;
    this.lastReport = performance.now();
    const { c, batches, done } = this;
    // Windows per second since the first batch; the time left only after the first batches (an estimate from
    // the first one or two mostly measures start-up).
    const since = (this.lastReport - (this.firstBatchAt ?? this.lastReport)) / 1000;
    const rate = since > 0 ? ((done - 1) * c.batchSize) / since : 0;
    const settled = done >= 20 || since >= 2;
    const left = c.epochs * batches - done;
    const folds = Math.max(0, c.folds);
    this.hooks.onProgress({
      runId: this.run.runId,
      backend: this.run.backend.name,
      device: this.run.backend.device,
      fraction: (folds + done / (c.epochs * batches)) / (folds + 1),
      epoch: latest.epoch + 1,
      epochs: c.epochs,
      batch: latest.batch + 1,
      batches,
      loss: latest.loss,
      seqPerSec: rate,
      etaSec: settled && rate > 0 ? (left * c.batchSize) / rate : null,
      newBatches: sent,
      newEpochs: this.unsentEpochs.splice(0),
    });
  }
}

/** The network a run's settings describe. */
export function buildNetwork(c: ResolvedTrainConfig, F: number): ReturnType<typeof lstmAutoencoder> {
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
export function stepFor(
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
export async function trainFoldNetworks(
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
            etaSec: secondsLeft(fraction, secs),
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
