import type { AlertState, TriageSettings } from '../api-types';
import { scoredRun, windowContributions } from '../catalogue/drive-errors';
import type { EndDays } from '../catalogue/windows';
import type { Db } from '../store/db';
import type { MergedDrive } from '../model/score-update';
import { RunWindows, type ScoreBlobs } from '../model/score-store';
import { thresholdFor, type Service } from './service';

/**
 * The windows that raise an alert: each that reaches the threshold after one below it (or as the drive's first),
 * so a drive alerts once until its score falls back below the threshold. Compared in float32, as scores are
 * stored. With `range`, only crossings by windows ending in it.
 */
export function crossings(
  ends: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
  range: EndDays | null,
): number[] {
  const t = Math.fround(threshold);
  const out: number[] = [];
  for (let w = 0; w < scores.length; w++) {
    if (!(scores[w] >= t) || (w > 0 && scores[w - 1] >= t)) continue;
    if (range && (ends[w] < range.from || ends[w] > range.to)) continue;
    out.push(w);
  }
  return out;
}

export interface Candidate {
  driveId: number;
  model: string;
  day: number;
  score: number;
  threshold: number;
  /** The window's attributes with a part, largest first (at most 3). */
  top: [string, number][];
}

export interface Raised {
  open: Candidate[];
  muted: number;
  overBudget: number;
}

/** Attributes named in an alert, at most this many. */
const TOP_ATTRIBUTES = 3;

/**
 * Collects the alerts of the run in service drive by drive, then stores them in one go: an alert topped by an
 * attribute the analyst quieted for the drive's model is stored muted, and beyond the daily budget (across drive
 * models) the alerts furthest above their threshold (score / threshold) open first, the rest are stored over
 * budget. An alert already stored is not raised again.
 */
export class AlertRaiser {
  private readonly candidates: Candidate[] = [];
  private readonly modelOf: Map<number, string>;
  private readonly run: { windowDays: number; features: string[] };

  constructor(
    private readonly db: Db,
    private readonly service: Service,
    private readonly settings: TriageSettings,
  ) {
    this.run = scoredRun(db, service.runId);
    this.modelOf = new Map(db.prepare('SELECT id, model FROM drives').raw().all() as [number, string][]);
  }

  /** One drive's windows (in order): its crossings, those ending in `range` where given. */
  drive(
    driveId: number,
    w: { ends: ArrayLike<number>; scores: ArrayLike<number>; dayErrors: ArrayLike<number> },
    range: EndDays | null,
  ): void {
    const model = this.modelOf.get(driveId) ?? '';
    const threshold = thresholdFor(this.service, model);
    const n = w.ends.length;
    const F = n ? w.dayErrors.length / n : 0;
    for (const at of crossings(w.ends, w.scores, threshold, range)) {
      const top = F
        ? windowContributions(w.ends, w.dayErrors, F, at, this.run.windowDays, this.run.features.slice(0, F))
            .filter((c) => c.share > 0)
            .slice(0, TOP_ATTRIBUTES)
            .map((c): [string, number] => [c.feature, Math.round(c.share * 1000) / 1000])
        : [];
      this.candidates.push({ driveId, model, day: w.ends[at], score: w.scores[at], threshold, top });
    }
  }

  /**
   * A drive an update changed: only a new window at the threshold after one below it can cross it (the windows in
   * `range` are the new ones; the one before them is known on a common day), so the drive's whole history is read
   * only then.
   */
  changed(driveId: number, m: MergedDrive, range: EndDays): void {
    const t = Math.fround(thresholdFor(this.service, this.modelOf.get(driveId) ?? ''));
    const s = m.fresh.scores;
    let crosses = false;
    for (let k = 0; k < s.length && !crosses; k++) {
      // The window before: a fresh one, the stored one the update knew, or unknown (undefined: read the row).
      const before = k > 0 ? s[k - 1] : m.previous;
      crosses = s[k] >= t && (before === undefined || before === null || before < t);
    }
    if (crosses) this.drive(driveId, m.all(), range);
  }

  /** Every stored window of the run's drives (a service just started, or a full rescore). */
  allStored(): void {
    const runId = this.service.runId;
    const rows = this.db
      .prepare('SELECT drive_id, end_days, window_scores FROM scores WHERE run_id = ? ORDER BY drive_id')
      .iterate(runId) as IterableIterator<ScoreBlobs & { drive_id: number }>;
    const errorsOf = this.db
      .prepare('SELECT day_errors FROM scores WHERE run_id = ? AND drive_id = ?')
      .pluck();
    const stored = new RunWindows(this.db, runId);
    for (const row of rows) {
      // Most drives never reach the threshold: their per-attribute values are read only for those that do.
      const t = Math.fround(thresholdFor(this.service, this.modelOf.get(row.drive_id) ?? ''));
      if (!stored.of(row.drive_id, row).scores.some((v) => v >= t)) continue;
      const errors = errorsOf.get(runId, row.drive_id) as Buffer | null;
      this.drive(row.drive_id, stored.of(row.drive_id, { ...row, day_errors: errors }), null);
    }
  }

  /** Stores the collected alerts; returns the new open ones and how many were muted or over budget. */
  commit(now = new Date().toISOString()): Raised {
    const exists = this.db.prepare('SELECT 1 FROM alerts WHERE service_id = ? AND drive_id = ? AND day = ?');
    const fresh = this.candidates.filter((c) => !exists.get(this.service.id, c.driveId, c.day));
    this.candidates.length = 0;
    const quiet = this.settings.quiet;
    const state = new Map<Candidate, AlertState>();
    for (const c of fresh) if (c.top.length && quiet[c.model]?.includes(c.top[0][0])) state.set(c, 'muted');
    const budget = this.settings.dailyBudget;
    if (budget !== null) {
      const openOn = this.db.prepare(
        "SELECT count(*) FROM alerts WHERE service_id = ? AND day = ? AND state = 'open'",
      );
      const byDay = new Map<number, Candidate[]>();
      for (const c of fresh) if (!state.has(c)) byDay.set(c.day, [...(byDay.get(c.day) ?? []), c]);
      for (const [day, list] of byDay) {
        let left = budget - (openOn.pluck().get(this.service.id, day) as number);
        list.sort((a, b) => b.score / b.threshold - a.score / a.threshold);
        for (const c of list) if (left-- <= 0) state.set(c, 'over-budget');
      }
    }
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO alerts(service_id, drive_id, day, score, threshold, top, state, raised_at)
       VALUES (?,?,?,?,?,?,?,?)`,
    );
    const open: Candidate[] = [];
    let muted = 0;
    let overBudget = 0;
    for (const c of fresh) {
      const s = state.get(c) ?? 'open';
      insert.run(this.service.id, c.driveId, c.day, c.score, c.threshold, JSON.stringify(c.top), s, now);
      if (s === 'open') open.push(c);
      else if (s === 'muted') muted++;
      else overBudget++;
    }
    open.sort((a, b) => b.score / b.threshold - a.score / a.threshold);
    return { open, muted, overBudget };
  }
}

/**
 * A drive that fails in the data closes its alert as confirmed (unless an analyst already confirmed it or had it
 * replaced): the data's own verdict, recorded like an analyst's. Returns how many were closed.
 */
export function closeFailedDrives(db: Db, serviceId: number, now = new Date().toISOString()): number {
  return db
    .prepare(
      `INSERT INTO reviews(drive_id, alert_day, alert_id, verdict, source, decided_at)
       SELECT a.drive_id, a.day, a.id, 'confirmed', 'data', ?
       FROM alerts a JOIN drives d ON d.id = a.drive_id
       WHERE a.service_id = ? AND d.failure_day IS NOT NULL AND d.failure_day >= a.day
         AND a.day = (SELECT max(day) FROM alerts b WHERE b.service_id = a.service_id AND b.drive_id = a.drive_id)
         AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.drive_id = a.drive_id AND r.alert_day >= a.day
                           AND r.verdict IN ('confirmed', 'replaced'))`,
    )
    .run(now, serviceId).changes;
}
