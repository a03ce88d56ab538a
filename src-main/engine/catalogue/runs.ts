import { ApiError, type DriveScore, type RunDetail, type RunInfo } from '../api-types';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GbdtModel, type GbdtModelFile } from '../model/gbdt/gbdt-model';
import { GBDT_FILE } from '../model/gbdt/model-files';
import { formatDay } from '../import/row-fields';
import type { Db } from '../store/db';

interface RunRow {
  id: number;
  kind: RunInfo['kind'];
  status: RunInfo['status'];
  config: string;
  dataset_fingerprint: string;
  backend: string;
  backend_version: string;
  device: string;
  started_at: string;
  finished_at: string | null;
  seconds: number | null;
  epochs_done: number;
  final_loss: number | null;
  val_loss: number | null;
  notices: string | null;
  error: string | null;
  weights_dir: string | null;
  scored: number;
}

function toInfo(r: RunRow): RunInfo {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    config: JSON.parse(r.config) as RunInfo['config'],
    datasetFingerprint: r.dataset_fingerprint,
    backend: r.backend,
    backendVersion: r.backend_version,
    device: r.device,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    seconds: r.seconds,
    epochsDone: r.epochs_done,
    finalLoss: r.final_loss,
    valLoss: r.val_loss,
    notices: r.notices ? (JSON.parse(r.notices) as string[]) : [],
    error: r.error,
    weightsDir: r.weights_dir,
    scored: r.scored === 1,
  };
}

const RUN_COLUMNS = 'runs.*, EXISTS(SELECT 1 FROM scores WHERE scores.run_id = runs.id) AS scored';

export function listRuns(db: Db): RunInfo[] {
  return (db.prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY id DESC`).all() as RunRow[]).map(toInfo);
}

export function getRun(db: Db, id: number): RunDetail {
  const r = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).get(id) as RunRow | undefined;
  if (!r) throw new ApiError('not-found', `no training run with id ${id}`);
  const epochs = (
    db
      .prepare('SELECT epoch, train_loss, val_loss, seconds FROM run_epochs WHERE run_id = ? ORDER BY epoch')
      .all(id) as {
      epoch: number;
      train_loss: number | null;
      val_loss: number | null;
      seconds: number | null;
    }[]
  ).map((e) => ({ epoch: e.epoch, trainLoss: e.train_loss, valLoss: e.val_loss, seconds: e.seconds }));
  const batches = (
    db
      .prepare(
        'SELECT epoch, batch, loss, grad_norm, learning_rate, spike FROM run_batches WHERE run_id = ? ORDER BY epoch, batch',
      )
      .all(id) as {
      epoch: number;
      batch: number;
      loss: number;
      grad_norm: number;
      learning_rate: number;
      spike: number;
    }[]
  ).map((b) => ({
    epoch: b.epoch,
    batch: b.batch,
    loss: b.loss,
    gradNorm: b.grad_norm,
    learningRate: b.learning_rate,
    spike: b.spike === 1,
  }));
  const info = toInfo(r);
  return {
    ...info,
    epochs,
    batches,
    importance: info.kind === 'gbdt' ? treeImportance(info.weightsDir) : null,
  };
}

/** A tree run's global importance: each input's total split gain in the final model, largest first. */
function treeImportance(dir: string | null): RunDetail['importance'] {
  const file = dir ? join(dir, GBDT_FILE) : null;
  if (!file || !existsSync(file)) return null;
  return new GbdtModel(JSON.parse(readFileSync(file, 'utf8')) as GbdtModelFile).gainImportance();
}

/** The drives of a scored run, worst first. */
export function topScores(
  db: Db,
  runId: number,
  offset: number,
  limit: number,
): { total: number; rows: DriveScore[] } {
  const total = db.prepare('SELECT count(*) FROM scores WHERE run_id = ?').pluck().get(runId) as number;
  const rows = db
    .prepare(
      `SELECT d.serial, d.model, d.failure_day, s.windows, s.max_score, s.max_day FROM scores s
       JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ? ORDER BY s.max_score DESC LIMIT ? OFFSET ?`,
    )
    .all(runId, limit, offset) as {
    serial: string;
    model: string;
    failure_day: number | null;
    windows: number;
    max_score: number;
    max_day: number;
  }[];
  return {
    total,
    rows: rows.map((r) => ({
      serial: r.serial,
      model: r.model,
      failureDay: r.failure_day === null ? null : formatDay(r.failure_day),
      windows: r.windows,
      score: r.max_score,
      scoreDay: formatDay(r.max_day),
    })),
  };
}
