import {
  ApiError,
  type ApiRequest,
  type ModelKind,
  type ServiceChosenBy,
  type ServiceInfo,
} from '../api-types';
import { formatDay } from '../import/row-fields';
import type { Db } from '../store/db';
import type { ScoredThrough } from '../model/score-update';

interface ServiceRow {
  id: number;
  run_id: number;
  threshold: number;
  model_thresholds: string | null;
  chosen_by: ServiceChosenBy;
  reason: string;
  why: string | null;
  started_at: string;
  ended_at: string | null;
  ended_why: string | null;
  scored_rowid: number;
  span_lo: number | null;
  kind: ModelKind;
  name: string | null;
}

const SELECT = `SELECT s.*, r.kind, r.name FROM service s JOIN runs r ON r.id = s.run_id`;

/** The run in service and its thresholds, as the update job and the queue read them. */
export interface Service {
  id: number;
  runId: number;
  threshold: number;
  modelThresholds: Record<string, number>;
  scoredThrough: ScoredThrough;
}

/** The threshold alerts of a drive of this model are raised at. */
export const thresholdFor = (s: Pick<Service, 'threshold' | 'modelThresholds'>, model: string): number =>
  s.modelThresholds[model] ?? s.threshold;

export function currentService(db: Db): Service | null {
  const r = db.prepare(`${SELECT} WHERE s.ended_at IS NULL ORDER BY s.id DESC LIMIT 1`).get() as
    ServiceRow | undefined;
  return r ? toService(r) : null;
}

const toService = (r: ServiceRow): Service => ({
  id: r.id,
  runId: r.run_id,
  threshold: r.threshold,
  modelThresholds: modelThresholdsOf(r),
  scoredThrough: { rowid: r.scored_rowid, spanLo: r.span_lo },
});

const modelThresholdsOf = (r: ServiceRow): Record<string, number> =>
  r.model_thresholds ? (JSON.parse(r.model_thresholds) as Record<string, number>) : {};

/** The current service and every earlier one, newest first, in the Api's words. */
export function serviceHistory(db: Db): { current: ServiceInfo | null; history: ServiceInfo[] } {
  const rows = db.prepare(`${SELECT} ORDER BY s.id DESC`).all() as ServiceRow[];
  const history = rows.map((r) => serviceInfo(db, r));
  return { current: history.find((s) => s.endedAt === null) ?? null, history };
}

export function serviceInfoById(db: Db, id: number): ServiceInfo {
  return serviceInfo(db, db.prepare(`${SELECT} WHERE s.id = ?`).get(id) as ServiceRow);
}

function serviceInfo(db: Db, r: ServiceRow): ServiceInfo {
  const scoredDay = db
    .prepare('SELECT max(day) FROM readings WHERE rowid <= ?')
    .pluck()
    .get(r.scored_rowid) as number | null;
  const pending = db
    .prepare('SELECT count(*) FROM readings WHERE rowid > ?')
    .pluck()
    .get(r.scored_rowid) as number;
  return {
    id: r.id,
    runId: r.run_id,
    runName: r.name,
    kind: r.kind,
    threshold: r.threshold,
    modelThresholds: modelThresholdsOf(r),
    chosenBy: r.chosen_by,
    reason: r.reason,
    why: r.why,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    endedWhy: r.ended_why,
    scoredThrough: r.scored_rowid > 0 && scoredDay !== null ? formatDay(scoredDay) : null,
    pendingReadings: r.ended_at === null ? pending : 0,
  };
}

/**
 * Puts a run in service, ending the current service (recorded with when and why). The threshold is the one given,
 * else the one chosen for the run on the Threshold tab; a run without either cannot alert. Its scores start from
 * where the run's last scoring left them.
 */
export function putInService(db: Db, q: ApiRequest<'triage/put-in-service'>): number {
  const run = db
    .prepare('SELECT id, status, weights_dir, scored_rowid, scored_span_lo FROM runs WHERE id = ?')
    .get(q.runId) as
    | {
        id: number;
        status: string;
        weights_dir: string | null;
        scored_rowid: number | null;
        scored_span_lo: number | null;
      }
    | undefined;
  if (!run) throw new ApiError('not-found', `no training run with id ${q.runId}`);
  if (!run.weights_dir)
    throw new ApiError(
      'conflict',
      `run ${q.runId} has no saved weights (${run.status}); it cannot score new days`,
    );
  const chosen = db.prepare('SELECT threshold, reason FROM run_thresholds WHERE run_id = ?').get(q.runId) as
    { threshold: number; reason: string } | undefined;
  const threshold = q.threshold ?? chosen?.threshold;
  if (threshold === undefined)
    throw new ApiError(
      'bad-request',
      `run ${q.runId} has no chosen threshold: choose one on its Threshold tab, or give one`,
    );
  const chosenBy: ServiceChosenBy = q.chosenBy ?? (q.threshold === undefined ? 'run' : 'slider');
  const reason =
    q.reason ?? (q.threshold === undefined && chosen ? chosen.reason : `threshold ${threshold} set by hand`);
  const now = new Date().toISOString();
  return db.transaction(() => {
    db.prepare('UPDATE service SET ended_at = ? WHERE ended_at IS NULL').run(now);
    return Number(
      db
        .prepare(
          `INSERT INTO service(run_id, threshold, model_thresholds, chosen_by, reason, why, started_at, scored_rowid, span_lo)
           VALUES (?,?,?,?,?,?,?,?,?)`,
        )
        .run(
          q.runId,
          threshold,
          q.modelThresholds && Object.keys(q.modelThresholds).length
            ? JSON.stringify(q.modelThresholds)
            : null,
          chosenBy,
          reason,
          q.why?.trim() || null,
          now,
          run.scored_rowid ?? 0,
          run.scored_span_lo,
        ).lastInsertRowid,
    );
  })();
}

/** Ends the current service (nothing alerts until another run is put in service). */
export function retireService(db: Db, why?: string): number | null {
  const current = currentService(db);
  if (!current) return null;
  db.prepare('UPDATE service SET ended_at = ?, ended_why = ? WHERE id = ?').run(
    new Date().toISOString(),
    why?.trim() || null,
    current.id,
  );
  return current.id;
}

/** Records how far the service's run is scored (after an update job). */
export function markScored(db: Db, serviceId: number, through: ScoredThrough): void {
  db.prepare('UPDATE service SET scored_rowid = ?, span_lo = ? WHERE id = ?').run(
    through.rowid,
    through.spanLo,
    serviceId,
  );
}
