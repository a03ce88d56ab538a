import { secondsLeft } from './eta';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type ScoreProgress, type ScoreResult } from '../api-types';
import {
  countWindows,
  dataSpan,
  windowBatches,
  type SeriesCube,
  type EndDays,
  type WindowBatch,
} from '../catalogue/windows';
import type { Db } from '../store/db';
import { selectBackend } from './backend';
import { applyScaler, cellScaler, baseAttribute, fillGaps, type Scaler } from './dataset';
import type { ResolvedTrainConfig } from './run-store';
import { nativeNet } from './native/native-step';
import { loadModel } from './weights-io';
import { toBlob as blob } from '../store/blobs';
import {
  BACKBLAZE_RULE_ATTRIBUTES,
  robustScore,
  ruleScore,
  type RobustCentre,
  type RobustStats,
} from '../eval/baselines';
import { readSplitRecord, SPLIT_CODE } from './split-record';
import { TreeScorer } from './gbdt/score-trees';
import { networkFoldDir, readFolds } from './gbdt/model-files';
import type { WindowsOfDrive } from './score-store';
import { readDriveInfo, type DriveInfo } from '../catalogue/drive-info';
import { CubePrefetch, type CubeSliceSpec } from '../catalogue/cube-prefetch';

/**
 * Scoring's progress, 4 times a second at most: the share of the fleet's drive ids passed (within a slice, by its
 * windows), windows per second, and an ETA once 5% is done or 2 s have passed (an earlier one mostly measures
 * the model's start).
 */
class ScoreProgressReporter {
  private readonly t0 = performance.now();
  private last = 0;

  constructor(
    private readonly runId: number,
    private readonly maxId: number,
    private readonly hooks: ScoreHooks,
  ) {}

  report(lo: number, sliceFraction: number, drives: number, windows: number, force = false): void {
    const now = performance.now();
    if (!this.hooks.onProgress || (!force && now - this.last < 250)) return;
    this.last = now;
    const span = Math.max(1, this.maxId);
    const fraction = Math.min(1, (lo + sliceFraction * Math.min(DRIVES_PER_SLICE, span - lo)) / span);
    const seconds = (now - this.t0) / 1000;
    this.hooks.onProgress({
      runId: this.runId,
      fraction,
      drives,
      windows,
      windowsPerSec: seconds > 0 ? windows / seconds : 0,
      etaSec: secondsLeft(fraction, seconds, seconds >= 2 ? 0 : 0.05),
    });
  }
}

/** Drives per slice: the cube of one slice is what scoring holds in memory. */
export const DRIVES_PER_SLICE = 20_000;
const BATCH = 1024;

export interface ScoreHooks {
  onProgress?(p: ScoreProgress): void;
  isCancelled?(): boolean;
}

/**
 * Scores every window of every drive with a trained run, a slice of drives at a
 * time: autoencoders give the mean squared reconstruction error per window and
 * the error of each feature on each window's last day (the heatmaps' cells);
 * classifiers give the probability per window. Stored per drive as typed-array
 * blobs, with the drive's score (its worst window) indexed for ranking.
 */
export async function scoreRun(db: Db, runId: number, hooks: ScoreHooks = {}): Promise<ScoreResult> {
  const t0 = performance.now();
  const scoring = await openScoring(db, runId);
  // What this scoring reads: readings stored after it are scored by the next update (score-update.ts).
  const mark = readingsMark(db);
  const maxId = (db.prepare('SELECT coalesce(max(id), 0) FROM drives').pluck().get() as number) + 1;
  const insert = insertScores(db, scoring);
  // New scores are written aside (under -runId) and swapped in whole at the end: a run scored again keeps its old
  // scores until the new ones are complete, and a kill mid-score never leaves a partial set to evaluate.
  const staging = stagingId(runId);
  db.prepare('DELETE FROM scores WHERE run_id = ?').run(staging);
  let drivesScored = 0;
  let windows = 0;
  const progress = new ScoreProgressReporter(runId, maxId, hooks);
  let cancelled = false;
  const slices: CubeSliceSpec[] = [];
  for (let lo = 0; lo < maxId; lo += DRIVES_PER_SLICE) slices.push({ lo, hi: lo + DRIVES_PER_SLICE });
  const cubes = new CubePrefetch(db, scoring.features, slices);
  try {
    for (const { lo } of slices) {
      const raw = cubes.next();
      if (raw.driveIds.length === 0) continue;
      const slice = scoreSlice(scoring, raw, {}, hooks, (done, of) => {
        windows += done;
        progress.report(lo, of, drivesScored, windows);
      });
      if (slice === 'cancelled') {
        cancelled = true;
        break;
      }
      db.transaction(() => {
        for (let row = 0; row < slice.length; row++) {
          const windows = slice[row];
          if (!windows) continue;
          insert(staging, raw.driveIds[row], windows);
          drivesScored++;
        }
      })();
      progress.report(lo, 1, drivesScored, windows, true);
    }
  } finally {
    cubes.close();
    scoring.scorer.dispose();
  }
  if (cancelled) db.prepare('DELETE FROM scores WHERE run_id = ?').run(staging);
  else
    db.transaction(() => {
      db.prepare('DELETE FROM scores WHERE run_id = ?').run(runId);
      db.prepare('DELETE FROM recent_windows WHERE run_id = ?').run(runId);
      db.prepare('UPDATE scores SET run_id = ? WHERE run_id = ?').run(runId, staging);
      recordScoredThrough(db, runId, mark);
    })();
  return {
    runId,
    status: cancelled ? 'cancelled' : 'done',
    backend: scoring.scorer.backend,
    drives: drivesScored,
    windows,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** A run opened for scoring: its settings, its model, and what the baselines need. */
export interface Scoring {
  runId: number;
  config: ResolvedTrainConfig;
  /** The stored attributes a cube is loaded with (the model's, then the rule's counters). */
  features: string[];
  scorer: WindowScorer;
  scaler: Scaler;
  baselines: ReturnType<typeof baselineInputs>;
  /** Each drive's model, when the scaler was fitted per drive model. */
  modelOfDrive: ((id: number) => string) | null;
}

export async function openScoring(db: Db, runId: number): Promise<Scoring> {
  const run = db.prepare('SELECT kind, status, config, weights_dir FROM runs WHERE id = ?').get(runId) as
    { kind: string; status: string; config: string; weights_dir: string | null } | undefined;
  if (!run) throw new ApiError('not-found', `no training run with id ${runId}`);
  if (!run.weights_dir) throw new ApiError('conflict', `run ${runId} has no saved weights (${run.status})`);
  const config = JSON.parse(run.config) as ResolvedTrainConfig;
  const scaler = JSON.parse(readFileSync(join(run.weights_dir, 'scaler.json'), 'utf8')) as Scaler;
  const drives = readDriveInfo(db);
  const scorer =
    run.kind === 'gbdt'
      ? treeWindowScorer(run.weights_dir, drives)
      : await networkWindowScorer(run.weights_dir, run.kind, config, scaler.features.length);
  const baselines = baselineInputs(db, run.weights_dir, scaler, drives);
  return {
    runId,
    config,
    features: baselines.features,
    scorer,
    scaler,
    baselines,
    // A scaler fitted per drive model needs each drive's model: read once, not once per slice.
    modelOfDrive: scaler.byModel ? drives.modelOf : null,
  };
}

/** One drive's windows in one slice, in order of their last day. */
export interface DriveWindows {
  ends: number[];
  scores: number[];
  /** [window][attribute] flattened: autoencoders' last-day errors, trees' contributions; empty for classifiers. */
  dayErrors: number[];
  rule: number[];
  /** Null where the run has no robust statistics for the drive. */
  robust: number[] | null;
}

/**
 * Scores the windows of one cube of drives (`raw`: as loaded, before its gaps are filled), optionally only some
 * rows and only windows ending on some days. Returns each row's windows (undefined: none), or 'cancelled'. `onBatch` hears each
 * batch's window count and the share of the slice's windows done.
 */
export function scoreSlice(
  s: Scoring,
  raw: SeriesCube,
  only: { includeRow?: (row: number) => boolean; endDays?: EndDays },
  hooks: ScoreHooks,
  onBatch: (windows: number, fraction: number) => void,
): (DriveWindows | undefined)[] | 'cancelled' {
  const { config } = s;
  const S = config.windowDays;
  const reported = raw.present.slice();
  fillGaps(raw, config.maxGapDays);
  // The scalers read a model's daily changes from the raw cube as they go (no cube of changes is made).
  const modelOfRow = s.modelOfDrive ? Array.from(raw.driveIds, (id) => s.modelOfDrive!(id)) : undefined;
  // Networks read every scaled cell; trees read raw values, and the robust baseline only each window's last day,
  // scaled one cell at a time (scaling the whole cube was a fifth of a tree update).
  const cube = s.scorer.readsScaled ? applyScaler(raw, s.scaler, modelOfRow) : null;
  const scaleCell = cube ? null : cellScaler(raw, s.scaler, modelOfRow);
  const lastDay: SeriesCube = {
    ...raw,
    features: s.scaler.features,
    values: new Float32Array(s.scaler.features.length),
  };
  const slice = s.scorer.slice(raw, reported, cube);
  const centre = Array.from(raw.driveIds, (id) => s.baselines.centreOf(id));
  // A row's windows are made when it has one: most rows of an update's slice have none.
  const out: (DriveWindows | undefined)[] = new Array<DriveWindows | undefined>(raw.driveIds.length);
  const include = only.includeRow ?? (() => true);
  const total = countWindows(slice.cube, S, config.stride, include, only.endDays);
  let done = 0;
  for (const b of windowBatches(slice.cube, S, BATCH, config.stride, include, only.endDays)) {
    if (hooks.isCancelled?.()) return 'cancelled';
    const scored = slice.score(b);
    const F = scored.last ? scored.last.length / b.count : 0;
    for (let i = 0; i < b.count; i++) {
      const row = b.drive[i];
      const c = centre[row];
      const w = (out[row] ??= { ends: [], scores: [], dayErrors: [], rule: [], robust: c ? [] : null });
      w.ends.push(b.endDay[i]);
      w.scores.push(scored.score[i]);
      if (scored.last) for (let k = 0; k < F; k++) w.dayErrors.push(scored.last[i * F + k]);
      const cell = row * raw.days + (b.endDay[i] - raw.firstDay);
      w.rule.push(ruleScore(raw, cell, s.baselines.ruleColumns));
      if (!c) continue;
      if (cube) w.robust!.push(robustScore(cube, cell, c));
      else {
        lastDay.values.fill(0);
        scaleCell!(row, cell, lastDay.values, 0);
        w.robust!.push(robustScore(lastDay, 0, c));
      }
    }
    done += b.count;
    onBatch(b.count, done / Math.max(1, total));
  }
  return out;
}

/** Writes one drive's windows as its scores row under `runId` (the worst window is the drive's score). */
export function insertScores(
  db: Db,
  s: Scoring,
): (runId: number, driveId: number, w: WindowsOfDrive) => void {
  const insert = db.prepare(
    `INSERT OR REPLACE INTO scores(run_id, drive_id, windows, max_score, max_day, end_days, window_scores, day_errors,
       split, rule_scores, robust_scores) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
  );
  return (runId, driveId, w) => {
    const n = w.ends.length;
    let best = 0;
    for (let k = 1; k < n; k++) if (w.scores[k] > w.scores[best]) best = k;
    insert.run(
      runId,
      driveId,
      n,
      w.scores[best],
      w.ends[best],
      blob(Int32Array.from(w.ends)),
      blob(Float32Array.from(w.scores)),
      w.dayErrors.length ? blob(Float32Array.from(w.dayErrors)) : null,
      s.baselines.splitOf(driveId),
      blob(Float32Array.from(w.rule)),
      w.robust ? blob(Float32Array.from(w.robust)) : null,
    );
  };
}

/** Where the readings table stands now (the mark a later update starts from). */
export function readingsMark(db: Db): ScoredThrough {
  return {
    rowid: db.prepare('SELECT coalesce(max(rowid), 0) FROM readings').pluck().get() as number,
    spanLo: dataSpan(db).lo,
  };
}

/** How far a run's scores are up to date: the readings up to this rowid, over a data span starting here. */
export interface ScoredThrough {
  rowid: number;
  spanLo: number | null;
}

export function recordScoredThrough(db: Db, runId: number, mark: ScoredThrough): void {
  db.prepare('UPDATE runs SET scored_rowid = ?, scored_span_lo = ? WHERE id = ?').run(
    mark.rowid,
    mark.spanLo,
    runId,
  );
}

/** Where a scoring in progress writes (no run has a negative id). */
export const stagingId = (runId: number): number => -runId;

/** Scores a batch of windows: a score per window, and per attribute a value per window (the heatmaps' cells). */
export interface WindowScorer {
  backend: string;
  /** Whether `last` holds per-attribute values (autoencoders' errors, trees' contributions, a classifier's gradient x input). */
  perAttribute: boolean;
  /** Whether the scorer reads the scaled cube (networks); trees read the raw one. */
  readsScaled: boolean;
  /** The scorer of one slice of drives: its windows come from the returned cube. */
  slice(
    raw: SeriesCube,
    reported: Uint8Array,
    scaled: SeriesCube | null,
  ): { cube: SeriesCube; score(b: WindowBatch): { score: Float32Array; last: Float32Array | null } };
  dispose(): void;
}

/** Trees read the untransformed values. */
function treeWindowScorer(dir: string, drives: DriveInfo): WindowScorer {
  const trees = new TreeScorer(dir, drives);
  return {
    backend: 'native',
    perAttribute: true,
    readsScaled: false,
    slice: (raw, reported) => trees.slice(raw, reported),
    dispose: () => undefined,
  };
}

/** Autoencoders and classifiers read the scaled windows through the network. */
async function networkWindowScorer(
  dir: string,
  kind: string,
  config: ResolvedTrainConfig,
  F: number,
): Promise<WindowScorer> {
  const backend = await selectBackend(config.backend);
  const autoencoder = kind !== 'lstm-clf';
  const S = config.windowDays;
  interface Net {
    predict(x: Float32Array, n: number): Float32Array;
    /** d(each window's score) / dx, in x's layout (the classifier's attribution). */
    inputGradient(x: Float32Array, n: number): Float32Array;
    dispose(): void;
  }
  const load = async (from: string): Promise<Net> => {
    const model = await loadModel(from);
    const native =
      backend.name === 'native'
        ? nativeNet(model, { loss: { kind: 'mse' }, target: autoencoder ? 'input' : 'label', clipNorm: 0 })
        : null;
    const predict = (x: Float32Array, n: number): Float32Array =>
      native
        ? native.predict(x, n)
        : tf.tidy(
            () =>
              (
                model.predict(tf.tensor3d(x.subarray(0, n * S * F), [n, S, F])) as tf.Tensor
              ).dataSync() as Float32Array,
          );
    const inputGradient = (x: Float32Array, n: number): Float32Array =>
      native
        ? native.inputGradient(x, n)
        : tf.tidy(() => {
            const xs = tf.tensor3d(x.subarray(0, n * S * F), [n, S, F]);
            // Windows are independent, so the gradient of the sum of their scores is each one's own.
            const score = (v: tf.Tensor): tf.Tensor =>
              tf.sum(tf.max(tf.reshape(model.apply(v) as tf.Tensor, [n, -1]), 1));
            return tf.grad(score)(xs).dataSync() as Float32Array;
          });
    return {
      predict,
      inputGradient,
      dispose: () => {
        native?.dispose();
        model.dispose();
      },
    };
  };
  // Cross-validated: each drive by the fold network that held it out; drives trained after, by the final one.
  const folds = readFolds(dir);
  const nets: Net[] = [];
  for (let k = 0; k < (folds?.folds ?? 0); k++) nets.push(await load(join(dir, networkFoldDir(k))));
  nets.push(await load(dir));
  const finalNet = nets.length - 1;
  const size = S * F;
  return {
    backend: backend.name,
    perAttribute: true,
    readsScaled: true,
    slice: (raw, _reported, scaled) => {
      const netOf = Int32Array.from(raw.driveIds, (id) => folds?.fold[String(id)] ?? finalNet);
      if (!scaled) throw new Error('a network scores the scaled cube');
      return {
        cube: scaled,
        score: (b) => {
          const parts: Float32Array[] = [];
          const gradients: Float32Array[] = [];
          // Windows of one drive share a network: predict runs of them together.
          for (let i = 0; i < b.count;) {
            let j = i + 1;
            while (j < b.count && netOf[b.drive[j]] === netOf[b.drive[i]]) j++;
            const net = nets[netOf[b.drive[i]]];
            const x = b.data.subarray(i * size, j * size);
            parts.push(net.predict(x, j - i).slice());
            if (!autoencoder) gradients.push(net.inputGradient(x, j - i).slice());
            i = j;
          }
          const out = parts.length === 1 ? parts[0] : concat(parts);
          if (autoencoder) return reconstructionErrors(b.data, out, b.count, S, F);
          const gradient = gradients.length === 1 ? gradients[0] : concat(gradients);
          return {
            score: windowProbabilities(out, b.count).score,
            last: gradientTimesInput(b.data, gradient, b.count, S, F),
          };
        },
      };
    },
    dispose: () => nets.forEach((n) => n.dispose()),
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * What scoring needs for evaluation beside the model: each drive's split (from
 * the run's split.json), the raw columns of Backblaze's rule present in this
 * dataset, and the robust z-score statistics (robust.json) for each drive's model.
 */
function baselineInputs(
  db: Db,
  dir: string,
  scaler: Scaler,
  drives: DriveInfo,
): {
  features: string[];
  ruleColumns: number[];
  splitOf(driveId: number): number | null;
  centreOf(driveId: number): RobustCentre | null;
} {
  const known = new Set(db.prepare('SELECT name FROM attributes').pluck().all() as string[]);
  // Stored attributes only: a daily change (`smart_5_raw:change`) is computed from its attribute after loading.
  const stored = [...new Set(scaler.features.map(baseAttribute))];
  const extra = BACKBLAZE_RULE_ATTRIBUTES.filter((a) => known.has(a) && !stored.includes(a));
  const features = [...stored, ...extra];
  const ruleColumns = BACKBLAZE_RULE_ATTRIBUTES.filter((a) => known.has(a)).map((a) => features.indexOf(a));
  const record = readSplitRecord(dir);
  const split = new Map<number, number>();
  if (record) {
    for (const id of record.val) split.set(id, SPLIT_CODE.val);
    for (const id of record.test) split.set(id, SPLIT_CODE.test);
  }
  const robustFile = join(dir, 'robust.json');
  const robust = existsSync(robustFile)
    ? (JSON.parse(readFileSync(robustFile, 'utf8')) as RobustStats)
    : null;
  return {
    features,
    ruleColumns,
    splitOf: (id) => (record ? (split.get(id) ?? SPLIT_CODE.train) : null),
    centreOf: (id) => (robust ? (robust.byModel[drives.modelOf(id)] ?? robust.fleet) : null),
  };
}

/** Autoencoders: mean squared error per window, and each feature's error on the window's last day. */
function reconstructionErrors(
  x: Float32Array,
  y: Float32Array,
  n: number,
  S: number,
  F: number,
): { score: Float32Array; last: Float32Array } {
  const score = new Float32Array(n);
  const last = new Float32Array(n * F);
  const size = S * F;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = i * size; k < (i + 1) * size; k++) sum += (x[k] - y[k]) ** 2;
    score[i] = sum / size;
    const lastDay = i * size + (S - 1) * F;
    for (let f = 0; f < F; f++) last[i * F + f] = (x[lastDay + f] - y[lastDay + f]) ** 2;
  }
  return { score, last };
}

/**
 * The classifier's attribution: per window and feature, gradient x input summed over the window's days. Inputs are
 * standardised, so 0 is the fleet's typical value and each term is how far the feature's departure from it moved
 * the window's probability (to first order): positive pushes toward failure.
 */
function gradientTimesInput(x: Float32Array, g: Float32Array, n: number, S: number, F: number): Float32Array {
  const out = new Float32Array(n * F);
  const size = S * F;
  for (let i = 0; i < n; i++)
    for (let t = 0; t < S; t++) {
      const at = i * size + t * F;
      for (let f = 0; f < F; f++) out[i * F + f] += g[at + f] * x[at + f];
    }
  return out;
}

/** Classifiers: the window's probability (the highest day's, for per-day outputs). */
function windowProbabilities(y: Float32Array, n: number): { score: Float32Array } {
  const per = y.length / n;
  const score = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let k = i * per; k < (i + 1) * per; k++) best = Math.max(best, y[k]);
    score[i] = best;
  }
  return { score };
}
