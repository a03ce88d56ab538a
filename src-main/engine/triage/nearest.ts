import { ApiError, type NearestFailed } from '../api-types';
import { scoredRun } from '../catalogue/drive-errors';
import { formatDay } from '../import/row-fields';
import { baseAttribute } from '../model/dataset';
import { decodeInto } from '../store/readings-codec';
import type { Db } from '../store/db';
import { currentService } from './service';
import { RunWindows, type ScoreBlobs } from '../model/score-store';

const DEFAULT_K = 5;

/** Counters are heavy-tailed (0, 1, 10,000 reallocated sectors): compared on a log scale, sign kept. */
const compress = (v: number): number => Math.sign(v) * Math.log1p(Math.abs(v));

/**
 * The failed drives whose windows before failure look most like a drive's latest window: the evidence an analyst
 * shows before swapping a drive that still passes its self-test. The space is the run's own attributes over its
 * window length, each value log-compressed and standardised over the drives compared (every cell of every
 * candidate window and the drive's own), the distance the root mean square difference over the cells both have.
 * A failed drive's candidates are its windows ending in the horizon before its failure; its distance is its
 * nearest one. With each: its failure day, how many days before failure its nearest window ended, and its path
 * under the run (window scores by days before failure) beside the drive's own.
 */
export function nearestFailed(db: Db, q: { serial: string; runId?: number; k?: number }): NearestFailed {
  const runId = q.runId ?? currentService(db)?.runId;
  if (runId === undefined)
    throw new ApiError('bad-request', 'name a run (no run is in service to compare the drive under)');
  const run = scoredRun(db, runId);
  const config = db.prepare('SELECT config FROM runs WHERE id = ?').pluck().get(runId) as string;
  const H = (JSON.parse(config) as { horizonDays: number }).horizonDays;
  const S = run.windowDays;
  const attributes = [...new Set(run.features.map(baseAttribute))];
  const slots = slotsOf(db, attributes);
  const drive = db
    .prepare('SELECT id, serial, model, last_day, failure_day FROM drives WHERE serial = ?')
    .get(q.serial) as
    { id: number; serial: string; model: string; last_day: number; failure_day: number | null } | undefined;
  if (!drive) throw new ApiError('not-found', `no drive with serial number "${q.serial}"`);
  const read = dayReader(db, slots);
  const mine = read(drive.id, drive.last_day - S + 1, drive.last_day);
  const failed = db
    .prepare('SELECT id, serial, model, failure_day FROM drives WHERE failure_day IS NOT NULL AND id != ?')
    .all(drive.id) as { id: number; serial: string; model: string; failure_day: number }[];
  // Each failed drive's days from the first candidate window's start to its failure.
  const paths = failed.map((f) => ({ f, values: read(f.id, f.failure_day - H - S + 1, f.failure_day) }));
  const F = slots.length;
  const { mean, sd } = standardiser([mine, ...paths.map((p) => p.values)], F);
  const z = (v: number, k: number): number => (compress(v) - mean[k]) / sd[k];
  const ranked: { at: number; distance: number; end: number; p: (typeof paths)[number] }[] = [];
  for (const p of paths) {
    let best: { distance: number; end: number } | null = null;
    // Window ending `e` days after the path's first day covers cells [e - S + 1, e].
    for (let e = S - 1; e < H + S; e++) {
      let sum = 0;
      let n = 0;
      for (let d = 0; d < S; d++)
        for (let k = 0; k < F; k++) {
          const a = mine[d * F + k];
          const b = p.values[(e - S + 1 + d) * F + k];
          if (a !== a || b !== b) continue;
          sum += (z(a, k) - z(b, k)) ** 2;
          n++;
        }
      if (n < (S * F) / 2) continue;
      const distance = Math.sqrt(sum / n);
      if (!best || distance < best.distance) best = { distance, end: p.f.failure_day - H - S + 1 + e };
    }
    if (best) ranked.push({ at: ranked.length, ...best, p });
  }
  ranked.sort((a, b) => a.distance - b.distance || a.p.f.id - b.p.f.id);
  const scoresOf = db.prepare('SELECT end_days, window_scores FROM scores WHERE run_id = ? AND drive_id = ?');
  const stored = new RunWindows(db, runId);
  const pathOf = (id: number, to: number): { daysBefore: number[]; scores: number[] } => {
    const r = scoresOf.get(runId, id) as ScoreBlobs | undefined;
    if (!r) return { daysBefore: [], scores: [] };
    const { ends, scores } = stored.of(id, r);
    const keep = [...ends.keys()].filter((i) => ends[i] <= to && ends[i] > to - 60);
    return { daysBefore: keep.map((i) => ends[i] - to), scores: keep.map((i) => scores[i]) };
  };
  return {
    runId,
    serial: drive.serial,
    day: formatDay(drive.last_day),
    space: `the run's ${attributes.length} attributes over its ${S}-day window, log-scaled and standardised`,
    candidates: ranked.length,
    path: pathOf(drive.id, drive.last_day),
    neighbours: ranked.slice(0, q.k ?? DEFAULT_K).map((r) => ({
      serial: r.p.f.serial,
      model: r.p.f.model,
      failureDay: formatDay(r.p.f.failure_day),
      windowDay: formatDay(r.end),
      daysBeforeFailure: r.p.f.failure_day - r.end,
      distance: r.distance,
      path: pathOf(r.p.f.id, r.p.f.failure_day),
    })),
  };
}

function slotsOf(db: Db, attributes: string[]): number[] {
  const slot = db.prepare('SELECT slot FROM attributes WHERE name = ?').pluck();
  return attributes.map((a) => {
    const s = slot.get(a) as number | undefined;
    if (s === undefined) throw new ApiError('not-found', `no attribute named "${a}" in this dataset`);
    return s;
  });
}

/** A drive's values of the slots over days [from, to] (one point read per day), NaN where missing. */
function dayReader(db: Db, slots: number[]): (driveId: number, from: number, to: number) => Float64Array {
  const get = db.prepare('SELECT vals FROM readings WHERE day = ? AND drive_id = ?').pluck();
  const maxSlot = db.prepare('SELECT coalesce(max(slot), 0) FROM attributes').pluck().get() as number;
  const scratch = new Float64Array(maxSlot + 1);
  const F = slots.length;
  return (driveId, from, to) => {
    const out = new Float64Array((to - from + 1) * F).fill(NaN);
    for (let day = from; day <= to; day++) {
      const vals = get.get(day, driveId) as Buffer | undefined;
      if (!vals) continue;
      scratch.fill(NaN);
      decodeInto(vals, scratch);
      for (let k = 0; k < F; k++) out[(day - from) * F + k] = scratch[slots[k]];
    }
    return out;
  };
}

/** Each attribute's mean and standard deviation (1 where constant) of the compressed values, over all given cells. */
function standardiser(blocks: Float64Array[], F: number): { mean: Float64Array; sd: Float64Array } {
  const sum = new Float64Array(F);
  const sq = new Float64Array(F);
  const n = new Float64Array(F);
  for (const b of blocks)
    for (let i = 0; i < b.length; i++) {
      const v = b[i];
      if (v !== v) continue;
      const c = compress(v);
      const k = i % F;
      sum[k] += c;
      sq[k] += c * c;
      n[k]++;
    }
  const mean = sum.map((s, k) => (n[k] ? s / n[k] : 0));
  const sd = sq.map((s, k) => {
    const v = n[k] ? s / n[k] - mean[k] ** 2 : 0;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  return { mean, sd };
}
