import { secondsLeft } from './eta';
import { mkdirSync } from 'node:fs';
import type { EpochSummary, TrainResult } from '../api-types';
import type { Db } from '../store/db';
import type { Dataset } from './dataset';
import { trainTrees } from './gbdt/train-trees';
import { writeRunFiles, type RunRecord } from './run-record';
import type { ResolvedTrainConfig } from './run-store';
import type { BatchRecord } from './train';
import type { TrainHooks } from './train-network';

/**
 * A tree run: the models (per fold, then final) into the run folder, each round of the final model recorded as an
 * epoch (training and validation loss), progress across every model; then what scoring needs beside the trees.
 */
export function trainTreeRun(
  db: Db,
  run: RunRecord,
  c: ResolvedTrainConfig,
  ds: Dataset,
  hooks: TrainHooks,
): [TrainResult['status'], Partial<TrainResult>] {
  const { dir, runId, backend } = run;
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
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
        etaSec: secondsLeft(fraction, secs),
        newBatches: unsentBatches.splice(0),
        newEpochs: unsent.splice(0),
      });
    },
  });
  run.notices.push(...outcome.notices);
  if (outcome.status === 'cancelled') return ['cancelled', { epochs: 0, error: undefined }];
  writeRunFiles(db, dir, ds, c);
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
