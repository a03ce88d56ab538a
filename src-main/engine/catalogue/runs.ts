import { ApiError, type ChosenThreshold, type DriveScore, type RunDetail, type RunInfo } from '../api-types';
import { hasCheckpoint, runDir } from '../model/run-store';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GbdtModel, type GbdtModelFile } from '../model/gbdt/gbdt-model';
import { GBDT_FILE } from '../model/gbdt/model-files';
import { formatDay } from '../import/row-fields';
import type { Db } from '../store/db';
import { RunWindows } from '../model/score-store';

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
  t_threshold: number | null;
  t_level: 'drive' | 'window' | null;
  t_chosen_by: ChosenThreshold['chosenBy'] | null;
  t_reason: string | null;
  t_chosen_at: string | null;
  name: string | null;
  note: string | null;
  eval_ap: number | null;
  eval_det1: number | null;
  search_id: number | null;
}

function toInfo(r: RunRow, dbPath: string): RunInfo {
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
    name: r.name,
    note: r.note,
    searchId: r.search_id,
    evaluation:
      r.scored === 1 && (r.eval_ap !== null || r.eval_det1 !== null)
        ? { averagePrecision: r.eval_ap, detectionAtFar1: r.eval_det1 }
        : null,
    resumable: (r.status === 'cancelled' || r.status === 'failed') && hasCheckpoint(runDir(dbPath, r.id)),
    chosenThreshold:
      r.t_threshold === null
        ? null
        : {
            threshold: r.t_threshold,
            level: r.t_level!,
            chosenBy: r.t_chosen_by!,
            reason: r.t_reason!,
            chosenAt: r.t_chosen_at!,
          },
  };
}

const RUN_COLUMNS = `runs.*, EXISTS(SELECT 1 FROM scores WHERE scores.run_id = runs.id) AS scored,
  t.threshold AS t_threshold, t.level AS t_level, t.chosen_by AS t_chosen_by, t.reason AS t_reason,
  t.chosen_at AS t_chosen_at,
  (SELECT search_id FROM search_trials st WHERE st.run_id = runs.id LIMIT 1) AS search_id`;
const RUN_FROM = 'runs LEFT JOIN run_thresholds t ON t.run_id = runs.id';

export function listRuns(db: Db): RunInfo[] {
  return (db.prepare(`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} ORDER BY id DESC`).all() as RunRow[]).map((r) =>
    toInfo(r, db.name),
  );
}

/** Stores the threshold chosen for a run (one per run: the latest choice). */
export function recordThreshold(
  db: Db,
  q: {
    runId: number;
    threshold: number;
    level: 'drive' | 'window';
    chosenBy: ChosenThreshold['chosenBy'];
    reason: string;
  },
): ChosenThreshold {
  if (!db.prepare('SELECT 1 FROM runs WHERE id = ?').get(q.runId))
    throw new ApiError('not-found', `no training run with id ${q.runId}`);
  const chosenAt = new Date().toISOString();
  db.prepare(
    `INSERT INTO run_thresholds(run_id, threshold, level, chosen_by, reason, chosen_at) VALUES (?,?,?,?,?,?)
     ON CONFLICT(run_id) DO UPDATE SET threshold = excluded.threshold, level = excluded.level,
       chosen_by = excluded.chosen_by, reason = excluded.reason, chosen_at = excluded.chosen_at`,
  ).run(q.runId, q.threshold, q.level, q.chosenBy, q.reason, chosenAt);
  return { threshold: q.threshold, level: q.level, chosenBy: q.chosenBy, reason: q.reason, chosenAt };
}

/** Names a run and keeps a note with it; an empty or null value clears it. */
export function annotateRun(
  db: Db,
  q: { id: number; name?: string | null; note?: string | null },
): RunDetail {
  const clean = (v: string | null | undefined): string | null | undefined =>
    v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim();
  const name = clean(q.name);
  const note = clean(q.note);
  const changed = db
    .prepare(
      `UPDATE runs SET name = CASE WHEN @setName THEN @name ELSE name END,
         note = CASE WHEN @setNote THEN @note ELSE note END WHERE id = @id`,
    )
    .run({
      id: q.id,
      setName: name !== undefined ? 1 : 0,
      name: name ?? null,
      setNote: note !== undefined ? 1 : 0,
      note: note ?? null,
    }).changes;
  if (changed === 0) throw new ApiError('not-found', `no training run with id ${q.id}`);
  return getRun(db, q.id);
}

export function getRun(db: Db, id: number): RunDetail {
  const r = db.prepare(`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE runs.id = ?`).get(id) as
    RunRow | undefined;
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
  const info = toInfo(r, db.name);
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
      `SELECT s.drive_id, d.serial, d.model, d.failure_day, s.windows, s.max_score, s.max_day FROM scores s
       JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ? ORDER BY s.max_score DESC LIMIT ? OFFSET ?`,
    )
    .all(runId, limit, offset) as {
    drive_id: number;
    serial: string;
    model: string;
    failure_day: number | null;
    windows: number;
    max_score: number;
    max_day: number;
  }[];
  const stored = new RunWindows(db, runId);
  return {
    total,
    rows: rows.map((r) => ({
      serial: r.serial,
      model: r.model,
      failureDay: r.failure_day === null ? null : formatDay(r.failure_day),
      windows: r.windows + stored.recentCount(r.drive_id),
      score: r.max_score,
      scoreDay: formatDay(r.max_day),
    })),
  };
}
