import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiError,
  REPORT_SECTIONS,
  type ChosenThreshold,
  type ReportData,
  type ReportFlaggedDrive,
  type ReportRequest,
  type TrainConfig,
} from '../api-types';
import { driveErrors } from '../catalogue/drive-errors';
import { getRun } from '../catalogue/runs';
import { datasetSummary } from '../catalogue/summary';
import { budgetInWords } from '../eval/alert-words';
import { evalReport } from '../eval/report';
import type { Evaluator } from '../eval/evaluator';
import type { EvalSession } from '../eval/session';
import { formatDay } from '../import/row-fields';
import type { Db } from '../store/db';
import { RunWindows } from '../model/score-store';
import { triageQueue } from '../triage/queue';
import { VERSION } from '../version';

const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Every drive the run scored that reaches the threshold: each one's first window at it and its score (its worst
 * window), worst first. The fleet's, not the evaluation set's: the crew acts on every drive the run would alert on
 * in service, and the held-out drives may be a sixth of them. Compared in float32, as scores are stored.
 */
function flaggedAt(
  db: Db,
  runId: number,
  threshold: number,
): { driveId: number; firstAlert: number; score: number }[] {
  const t = Math.fround(threshold);
  const stored = new RunWindows(db, runId);
  const rows = db
    .prepare('SELECT drive_id, end_days, window_scores FROM scores WHERE run_id = ? ORDER BY drive_id')
    .iterate(runId) as IterableIterator<{ drive_id: number; end_days: Buffer; window_scores: Buffer }>;
  const out: { driveId: number; firstAlert: number; score: number }[] = [];
  for (const r of rows) {
    const w = stored.of(r.drive_id, r);
    let first = -1;
    let score = -Infinity;
    for (let i = 0; i < w.scores.length; i++) {
      if (first < 0 && w.scores[i] >= t) first = i;
      if (w.scores[i] > score) score = w.scores[i];
    }
    if (first >= 0) out.push({ driveId: r.drive_id, firstAlert: w.ends[first], score });
  }
  return out.sort((a, b) => b.score - a.score);
}

/** The threshold a report uses, and the words that say how it was chosen. */
function chooseThreshold(
  s: EvalSession,
  q: ReportRequest,
  chosen: ChosenThreshold | null,
): ReportData['threshold'] {
  // The value the Threshold tab chose (compared as scores are, in float32): the report says how it was chosen there.
  if (q.threshold !== undefined && chosen && Math.fround(chosen.threshold) === Math.fround(q.threshold))
    return { value: q.threshold, chosenBy: chosen.chosenBy, reason: chosen.reason };
  if (q.threshold !== undefined)
    return { value: q.threshold, chosenBy: 'given', reason: `set by the analyst to ${q.threshold}` };
  if (q.far !== undefined)
    return {
      value: s.thresholdFor('drive', { kind: 'far', far: q.far }),
      chosenBy: 'far',
      reason: `the lowest threshold whose false-alarm rate over healthy drives is at most ${+(q.far * 100).toPrecision(3)}%`,
    };
  if (q.budget !== undefined)
    return {
      value: s.thresholdFor('drive', { kind: 'budget', alerts: q.budget, per: 'day' }),
      chosenBy: 'budget',
      reason: budgetInWords(q.budget, 'day', s.data.fleetScale === null ? null : s.data.scoredDrives),
    };
  return {
    value: s.overview().suggestedThreshold,
    chosenBy: 'suggested',
    reason:
      'the threshold with the best F1 over the test drives (no threshold, false-alarm rate or budget was given)',
  };
}

/** At most `max` points of a series, evenly spaced, first and last kept. */
function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const step = (xs.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => xs[Math.round(i * step)]);
}

/**
 * Everything a report says, from the store as it is: the data it was trained
 * on (each file's sha256), the run, the threshold and why, the evaluation at
 * drive and window level with bootstrap intervals and the baselines, and the
 * flagged drives with what drives their error. The fingerprint is sha256 over
 * the data files' hashes (sorted), the weights file and the threshold.
 */
export async function buildReport(db: Db, evaluator: Evaluator, q: ReportRequest): Promise<ReportData> {
  const run = getRun(db, q.runId);
  if (!run.scored)
    throw new ApiError(
      'conflict',
      `run ${q.runId} has not scored the drives yet; score it first (drive-triage score)`,
    );
  const s = evaluator.session(q.runId, q.labels);
  const threshold = chooseThreshold(s, q, run.chosenThreshold);
  const t = threshold.value;
  // Undefined: each level's default (eval/report.ts).
  const bootstrap = q.bootstrap;

  const summary = datasetSummary(db);
  const files = (
    db.prepare("SELECT name, sha256, rows_accepted FROM files WHERE status = 'done' ORDER BY name").all() as {
      name: string;
      sha256: string;
      rows_accepted: number;
    }[]
  ).map((f) => ({ name: f.name, sha256: f.sha256, rows: f.rows_accepted }));
  const weightsFile = run.weightsDir ? join(run.weightsDir, 'weights.bin') : null;
  const parts = {
    data: sha256(
      files
        .map((f) => f.sha256)
        .sort()
        .join('\n'),
    ),
    weights:
      weightsFile && existsSync(weightsFile) ? sha256(readFileSync(weightsFile)) : sha256(`run ${run.id}`),
    threshold: sha256(String(Math.fround(t))),
  };
  const fingerprint = sha256(`${parts.data}\n${parts.weights}\n${parts.threshold}`);

  const config = run.config as TrainConfig & { attributes?: string[]; spike?: TrainConfig['spike'] };
  const spikes = run.batches.filter((b) => b.spike).length;
  const rule = config.spike ?? null;
  const handled =
    spikes === 0
      ? 'no loss spike'
      : rule?.action === 'skip'
        ? 'each spiking batch was skipped (no weight update)'
        : rule?.action === 'rollback'
          ? 'each spike rolled the weights back to the last good batch and halved the learning rate'
          : 'recorded; training went on unchanged';

  const flaggedAll = flaggedAt(db, q.runId, t);
  const info = db.prepare('SELECT serial, model, days_seen, failure_day, last_day FROM drives WHERE id = ?');
  const drives: ReportFlaggedDrive[] = flaggedAll.map((f) => {
    const d = info.get(f.driveId) as {
      serial: string;
      model: string;
      days_seen: number;
      failure_day: number | null;
      last_day: number;
    };
    const why = driveErrors(db, q.runId, d.serial, t);
    return {
      serial: d.serial,
      model: d.model,
      score: f.score,
      firstAlert: formatDay(f.firstAlert),
      daysOfHistory: d.days_seen,
      failed: d.failure_day === null ? null : formatDay(d.failure_day),
      lastDay: formatDay(d.last_day),
      top: why.contributions.slice(0, 3).map((c) => ({ feature: c.feature, share: c.share })),
    };
  });
  const heatmaps = drives.slice(0, q.heatmaps ?? 5).flatMap((d) => {
    const e = driveErrors(db, q.runId, d.serial, t);
    if (e.features.length === 0) return [];
    const from = Math.max(0, e.days.length - 30);
    return [{ serial: d.serial, days: e.days.slice(from), features: e.features, z: e.dayErrors.slice(from) }];
  });

  return {
    title: `Drive Triage report: run ${run.id} (${run.kind}) at threshold ${+t.toPrecision(6)}`,
    generatedAt: new Date().toISOString(),
    appVersion: VERSION,
    sections: q.sections ?? [...REPORT_SECTIONS],
    fingerprint,
    fingerprintParts: parts,
    dataset: {
      files,
      firstDay: summary.firstDay ?? '',
      lastDay: summary.lastDay ?? '',
      drives: summary.drives,
      failures: summary.failures,
      models: summary.models,
      attributes: config.attributes ?? [],
    },
    model: {
      runId: run.id,
      kind: run.kind,
      config: run.config,
      backend: run.backend,
      device: run.device,
      seconds: run.seconds,
      epochs: run.epochs,
      loss: thin(
        run.batches.map((b, i) => ({ batch: i, loss: b.loss })),
        2000,
      ),
      spikes: { count: spikes, rule, handled },
      notices: run.notices,
    },
    threshold,
    results: {
      drive: await evalReport(evaluator, { runId: q.runId, level: 'drive', threshold: t, bootstrap }),
      window: await evalReport(evaluator, { runId: q.runId, level: 'window', threshold: t, bootstrap }),
      curves: s.curves('drive', 'model', 400),
      ruleCurves: s.data.scores['backblaze-rule'] ? s.curves('drive', 'backblaze-rule', 400) : null,
      alerts: s.alerts(t),
    },
    queue: reportQueue(db),
    flagged: { total: drives.length, drives, heatmaps },
  };
}

/** The pending queue under the run in service, for the swap crew (null: no run in service). */
function reportQueue(db: Db): ReportData['queue'] {
  const q = triageQueue(db, { show: 'pending', limit: 1_000_000 });
  if (!q.service) return null;
  return { serviceRunId: q.service.runId, today: q.today, counts: q.counts, rows: q.rows };
}
