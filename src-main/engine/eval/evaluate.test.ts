import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ApiError,
  type ConfusionMatrix,
  type EvalLevel,
  type TrainConfig,
  type TrainResult,
} from '../api-types';
import { Engine } from '../engine';
import type { SplitRecord } from '../model/split-record';
import { crossings } from '../triage/alerts';
import { Evaluator } from './evaluator';
import { BACKBLAZE_RULE_ATTRIBUTES } from './baselines';

const ROOT = resolve(__dirname, '../../..');
const SAMPLE = join(ROOT, 'resources/sample');
const H = 14;
const tiny: TrainConfig = {
  model: 'lstm-ae',
  horizonDays: H,
  units: 8,
  epochs: 1,
  maxWindowsPerEpoch: 640,
  maxValWindows: 128,
  seed: 3,
};

/** The evaluation set recomputed from the stored rows, by the definitions in eval-data.ts. */
interface Truth {
  windows: { drive: number; end: number; score: number; label: number }[];
  drives: Map<number, { failureDay: number | null; ends: number[]; scores: number[] }>;
}

function truthOf(engine: Engine, runId: number): Truth {
  const run = engine.db.prepare('SELECT weights_dir FROM runs WHERE id = ?').get(runId) as {
    weights_dir: string;
  };
  const split = JSON.parse(readFileSync(join(run.weights_dir, 'split.json'), 'utf8')) as SplitRecord;
  const test = new Set(split.test);
  const rows = engine.db
    .prepare(
      'SELECT s.drive_id AS id, d.failure_day AS fail, s.end_days AS e, s.window_scores AS w FROM scores s JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ?',
    )
    .all(runId) as { id: number; fail: number | null; e: Buffer; w: Buffer }[];
  const truth: Truth = { windows: [], drives: new Map() };
  for (const r of rows) {
    if (!test.has(r.id)) continue;
    const ends = Array.from(
      new Int32Array(r.e.buffer.slice(r.e.byteOffset, r.e.byteOffset + r.e.byteLength)),
    );
    const scores = Array.from(
      new Float32Array(r.w.buffer.slice(r.w.byteOffset, r.w.byteOffset + r.w.byteLength)),
    );
    truth.drives.set(r.id, { failureDay: r.fail, ends, scores });
    ends.forEach((end, i) => {
      const label = r.fail !== null && r.fail - end >= 0 && r.fail - end <= H ? 1 : 0;
      truth.windows.push({ drive: r.id, end, score: scores[i], label });
    });
  }
  return truth;
}

function count(items: { score: number; label: number }[], t: number): ConfusionMatrix {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const it of items) {
    const flagged = it.score >= Math.fround(t);
    if (flagged && it.label) c.tp++;
    else if (flagged) c.fp++;
    else if (it.label) c.fn++;
    else c.tn++;
  }
  return c;
}

const driveItems = (t: Truth): { score: number; label: number }[] =>
  [...t.drives.values()].map((d) => ({ score: Math.max(...d.scores), label: d.failureDay === null ? 0 : 1 }));

describe('evaluation of a scored run on the bundled sample', () => {
  let dir: string;
  let engine: Engine;
  let runId: number;
  let truth: Truth;

  const train = async (config: TrainConfig): Promise<number> => {
    const { jobId } = await engine.call('train/start', { config });
    const r = (await engine.jobs.wait(jobId)).result as TrainResult;
    assert.equal(r.status, 'done', r.error);
    const score = await engine.call('runs/score', { id: r.runId });
    assert.equal((await engine.jobs.wait(score.jobId)).state, 'done');
    return r.runId;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-eval-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
    await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
    runId = await train(tiny);
    truth = truthOf(engine, runId);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the evaluation set is the held-out test drives; the matrix at any threshold matches counting by hand', async () => {
    const o = await engine.call('eval/overview', { runId });
    const drives = driveItems(truth);
    assert.equal(o.drives.positives + o.drives.negatives, truth.drives.size);
    assert.equal(o.drives.positives, drives.filter((d) => d.label).length);
    assert.ok(o.drives.positives > 0, 'the sample holds failed drives in the test split');
    assert.equal(o.windows.positives + o.windows.negatives, truth.windows.length);
    assert.equal(o.windows.positives, truth.windows.filter((w) => w.label).length);
    assert.match(o.evaluationSet, /held-out test drives/);
    assert.deepEqual(o.notices, []);
    const sorted = truth.windows.map((w) => w.score).sort((a, b) => a - b);
    const probes = [0, 0.1, 0.5, 0.9, 0.99, 1].map((q) => sorted[Math.floor(q * (sorted.length - 1))]);
    for (const t of [...probes, o.suggestedThreshold, sorted[sorted.length - 1] + 1]) {
      for (const level of ['window', 'drive'] as EvalLevel[]) {
        const m = await engine.call('eval/at', { runId, level, threshold: t });
        assert.deepEqual(m.matrix, count(level === 'window' ? truth.windows : drives, t), `${level} at ${t}`);
        assert.equal(m.level, level);
      }
    }
  });

  test('presets meet their targets: FAR, alert budget, best F1, lowest cost', async () => {
    const level = 'drive';
    const far = await engine.call('eval/preset', { runId, level, preset: { kind: 'far', far: 0.01 } });
    assert.ok(far.metrics.far! <= 0.01);
    // Lowering the threshold to the next score down would break the FAR.
    const drives = driveItems(truth);
    const below = Math.max(...drives.map((d) => d.score).filter((s) => s < far.metrics.threshold));
    assert.ok(count(drives, below).fp / drives.filter((d) => !d.label).length > 0.01);
    const o = await engine.call('eval/overview', { runId });
    const budget = await engine.call('eval/preset', {
      runId,
      level,
      preset: { kind: 'budget', alerts: 0.5, per: 'day' },
    });
    // A budget is the fleet's: alerts as the run in service raises them (triage's crossings) on the test drives,
    // scaled to every drive the run scored. At its threshold the fleet stays within it; one score lower breaks it.
    const scored = (
      engine.db.prepare('SELECT COUNT(*) AS n FROM scores WHERE run_id = ?').get(runId) as { n: number }
    ).n;
    assert.deepEqual(o.fleet, { drives: scored, scale: scored / truth.drives.size });
    assert.ok(o.fleet.scale! > 4, 'the test drives are a small share of the fleet');
    const fleetPerDay = (t: number): number =>
      ([...truth.drives.values()].reduce(
        (n, d) => n + crossings(d.ends, Float32Array.from(d.scores), t, null).length,
        0,
      ) *
        o.fleet.scale!) /
      o.days;
    const t = budget.metrics.threshold;
    assert.ok(Math.abs(budget.metrics.fleetAlertsPerDay! - fleetPerDay(t)) < 1e-9);
    assert.ok(budget.metrics.fleetAlertsPerDay! <= 0.5 && budget.metrics.fleetAlertsPerDay! > 0.2);
    const next = Math.max(...truth.windows.map((w) => w.score).filter((v) => v < t));
    assert.ok(fleetPerDay(next) > 0.5, 'the next score down would break the budget');
    assert.ok(Math.abs(budget.metrics.alertsPerDay - budget.metrics.flagged / o.days) < 1e-12);
    const weekly = await engine.call('eval/preset', {
      runId,
      level,
      preset: { kind: 'budget', alerts: 3.5, per: 'week' },
    });
    assert.equal(weekly.metrics.threshold, budget.metrics.threshold);
    const f1 = await engine.call('eval/preset', { runId, level, preset: { kind: 'max-f1' } });
    for (const d of drives) {
      const c = count(drives, d.score);
      assert.ok((2 * c.tp) / (2 * c.tp + c.fp + c.fn) <= f1.metrics.f1! + 1e-12);
    }
    const cost = await engine.call('eval/preset', {
      runId,
      level,
      preset: { kind: 'cost', missCost: 50, falseAlarmCost: 1 },
    });
    assert.ok(cost.cost && cost.cost.threshold.length > 1);
    const at = (c: { fn: number; fp: number }): number => 50 * c.fn + c.fp;
    assert.equal(cost.cost.best, at(cost.metrics.matrix));
    for (const d of drives) assert.ok(at(count(drives, d.score)) >= cost.cost.best);
  });

  test('curves: ROC from (0,0) to (1,1), the AUC as counted by hand, baselines have curves too', async () => {
    // AUC = P(a failed drive outscores a healthy one), ties counting half (Mann-Whitney), at drive level.
    const drives = [...truth.drives.values()].map((d) => ({
      score: Math.max(...d.scores),
      failed: d.failureDay !== null,
    }));
    let pairs = 0;
    let wins = 0;
    for (const p of drives.filter((d) => d.failed))
      for (const q of drives.filter((d) => !d.failed)) {
        pairs++;
        wins += p.score > q.score ? 1 : p.score === q.score ? 0.5 : 0;
      }
    const model = await engine.call('eval/curves', {
      runId,
      level: 'drive',
      series: 'model',
      maxPoints: 200,
    });
    assert.ok(pairs > 0);
    assert.ok(Math.abs(model.rocAuc! - wins / pairs) < 1e-9, `AUC ${model.rocAuc} vs ${wins / pairs}`);
    for (const series of ['model', 'backblaze-rule', 'robust-z'] as const) {
      const c = await engine.call('eval/curves', { runId, level: 'drive', series, maxPoints: 200 });
      assert.deepEqual([c.roc.x[0], c.roc.y[0]], [0, 0]);
      assert.deepEqual([c.roc.x.at(-1), c.roc.y.at(-1)], [1, 1]);
      assert.ok(c.roc.x.length <= 200);
      assert.ok(c.rocAuc! > 0 && c.rocAuc! <= 1 && c.averagePrecision! > 0 && c.averagePrecision! <= 1);
    }
  });

  test('lead times and alerts per day follow each drive’s first crossing', async () => {
    const f = await engine.call('eval/preset', { runId, level: 'drive', preset: { kind: 'far', far: 0.05 } });
    const t = f.metrics.threshold;
    const lead = await engine.call('eval/lead-times', { runId, threshold: t });
    const expected: number[] = [];
    let flagged = 0;
    for (const d of truth.drives.values()) {
      const i = d.scores.findIndex((s) => s >= t);
      if (i >= 0) flagged++;
      if (i >= 0 && d.failureDay !== null) expected.push(d.failureDay - d.ends[i]);
    }
    assert.ok(expected.length > 0);
    assert.deepEqual(
      lead.drives.map((d) => d.leadDays).sort((a, b) => a - b),
      expected.sort((a, b) => a - b),
    );
    assert.equal(lead.caught, expected.length);
    assert.equal(
      lead.histogram.counts.reduce((a, b) => a + b, 0),
      expected.length,
    );
    for (const d of lead.drives)
      assert.equal((Date.parse(d.failureDay) - Date.parse(d.firstAlertDay)) / 86_400_000, d.leadDays);
    const alerts = await engine.call('eval/alerts', { runId, threshold: t });
    assert.equal(
      alerts.alerts.reduce((a, b) => a + b, 0),
      flagged,
    );
    assert.equal(
      alerts.falseAlerts.reduce((a, b) => a + b, 0),
      f.metrics.matrix.fp,
    );
    assert.ok(Math.abs(alerts.perDay - f.metrics.alertsPerDay) < 1e-12);
  });

  test("Backblaze's rule at the drive level: flags match the raw readings; the row is printed", async () => {
    const slots = engine.db
      .prepare(
        `SELECT slot FROM attributes WHERE name IN (${BACKBLAZE_RULE_ATTRIBUTES.map(() => '?').join()})`,
      )
      .pluck()
      .all(...BACKBLAZE_RULE_ATTRIBUTES) as number[];
    const sum = slots.map((s) => `coalesce(smart(vals, ${s}), 0)`).join(' + ');
    const days = new Map<number, Map<number, number>>();
    for (const r of engine.db
      .prepare(`SELECT drive_id AS id, day, ${sum} AS v FROM readings`)
      .iterate() as Iterable<{
      id: number;
      day: number;
      v: number;
    }>) {
      if (!truth.drives.has(r.id)) continue;
      const m = days.get(r.id) ?? new Map<number, number>();
      m.set(r.day, r.v);
      days.set(r.id, m);
    }
    // A window ending on an unreported (gap-filled) day carries the last reported day's values.
    const valueOn = (m: Map<number, number>, day: number): number => {
      for (let d = day; d > day - 3; d--) if (m.has(d)) return m.get(d)!;
      throw new Error('a window ends after a gap longer than the gap rule allows');
    };
    const expected = { tp: 0, fp: 0, tn: 0, fn: 0 };
    for (const [id, d] of truth.drives) {
      const flagged = d.ends.some((e) => valueOn(days.get(id)!, e) > 0);
      const failed = d.failureDay !== null;
      expected[flagged ? (failed ? 'tp' : 'fp') : failed ? 'fn' : 'tn']++;
    }
    const r = await engine.call('eval/report', { runId, level: 'drive', bootstrap: 100 });
    const rule = r.baselines.find((b) => b.name === 'backblaze-rule');
    assert.ok(rule);
    assert.deepEqual(rule.matrix, expected);
    assert.ok(rule.recall !== null && rule.far !== null);
    assert.deepEqual(
      rule.detectionAtFar.map((d) => d.far),
      [0.001, 0.01, 0.05],
    );
    assert.ok(r.baselines.some((b) => b.name === 'robust-z'));
    for (const row of [r, ...r.baselines]) {
      for (const [v, iv] of [
        [row.recall, row.intervals.recall],
        [row.far, row.intervals.far],
      ] as const)
        assert.ok(v !== null && iv !== null && iv[0] <= v && v <= iv[1], `${row.name}: ${v} in ${iv}`);
    }
    process.stdout.write(
      `# backblaze-rule, drive level, ${r.positives} failed / ${r.negatives} healthy test drives: ` +
        `detection ${rule.recall} at FAR ${rule.far}; TP ${rule.matrix.tp} FP ${rule.matrix.fp}; ` +
        `detection at FAR 1% ${rule.detectionAtFar[1].detection}; AP ${rule.averagePrecision}\n`,
    );
  });

  test('the validation set is the drives the split kept for validation, none of the test drives', () => {
    const run = engine.db.prepare('SELECT weights_dir FROM runs WHERE id = ?').get(runId) as {
      weights_dir: string;
    };
    const split = JSON.parse(readFileSync(join(run.weights_dir, 'split.json'), 'utf8')) as SplitRecord;
    const v = new Evaluator(engine.db).session(runId, 'data', 'validation');
    const scored = new Set(
      engine.db.prepare('SELECT drive_id FROM scores WHERE run_id = ?').pluck().all(runId),
    );
    assert.deepEqual(
      [...v.data.driveIds].sort((a, b) => a - b),
      split.val.filter((id) => scored.has(id)).sort((a, b) => a - b),
    );
    assert.ok(![...v.data.driveIds].some((id) => truth.drives.has(id)), 'no test drive');
    assert.match(v.data.evaluationSet, /validation drives/);
  });

  test('without a replicate count, the drive level (and its verdict against the rule) draws 1,000, windows 200', async () => {
    const drive = await engine.call('eval/report', { runId, level: 'drive' });
    assert.equal(drive.bootstrap.replicates, 1000);
    assert.equal(drive.vsRule?.replicates, 1000);
    const windows = await engine.call('eval/report', { runId, level: 'window' });
    assert.equal(windows.bootstrap.replicates, 200);
    assert.equal(windows.vsRule, null, 'the paired comparison is over drives');
  });

  test('runs on the same test set are compared; a run with another split is not', async () => {
    const same = await train({ ...tiny, units: 4 });
    const other = await train({ ...tiny, seed: 11 });
    const r = await engine.call('eval/report', { runId, level: 'drive', far: 0.01, bootstrap: 20 });
    assert.deepEqual(
      r.runs.map((x) => x.runId),
      [same],
    );
    assert.equal(r.runs[0].operatingPoint, 'false-alarm rate 0.01');
    assert.ok(r.runs[0].far! <= 0.01);
    assert.deepEqual(r.excludedRuns, [{ runId: other, reason: 'a different test set' }]);
    await engine.call('runs/delete', { id: same });
    await engine.call('runs/delete', { id: other });
  });

  test('a time split evaluates every drive from the cut on; failures before it are not positives', async () => {
    const cut = '2013-05-05';
    const timeRun = await train({ ...tiny, windowDays: 5, horizonDays: 7, testFromDay: cut });
    const o = await engine.call('eval/overview', { runId: timeRun });
    assert.equal(o.firstDay, cut);
    assert.match(o.evaluationSet, /time split/);
    assert.equal(o.fleet.scale, 1, 'every drive is in a time split: its alerts are the fleet');
    const cutDay = Date.parse(cut) / 86_400_000;
    const rows = engine.db
      .prepare(
        'SELECT d.failure_day AS fail, s.end_days AS e FROM scores s JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ?',
      )
      .all(timeRun) as { fail: number | null; e: Buffer }[];
    let drives = 0;
    let failed = 0;
    let windows = 0;
    for (const r of rows) {
      const ends = new Int32Array(r.e.buffer.slice(r.e.byteOffset, r.e.byteOffset + r.e.byteLength));
      const after = ends.filter((e) => e >= cutDay).length;
      if (after === 0) continue;
      drives++;
      windows += after;
      if (r.fail !== null && r.fail >= cutDay) failed++;
    }
    assert.equal(o.drives.positives + o.drives.negatives, drives);
    assert.equal(o.drives.positives, failed);
    assert.equal(o.windows.positives + o.windows.negatives, windows);
    await engine.call('runs/delete', { id: timeRun });
  });

  test('evaluate on the command line prints the documented JSON', () => {
    const p = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src-main/engine/cli/cli.ts'),
        'evaluate',
        '--db',
        join(dir, 'w.sqlite'),
        '--run',
        String(runId),
        '--far',
        '0.01',
        '--bootstrap',
        '50',
        '--json',
      ],
      { encoding: 'utf8', cwd: ROOT },
    );
    assert.equal(p.status, 0, p.stderr);
    const j = JSON.parse(p.stdout) as Record<string, unknown> & {
      matrix: Record<string, number>;
      detectionAtFar: { far: number; detection: number; threshold: number }[];
      leadTimeDays: { median: number | null };
      baselines: { name: string; detectionAtFar: unknown[]; recall: number; far: number }[];
    };
    assert.equal(j.level, 'drive');
    for (const k of ['threshold', 'precision', 'recall', 'far', 'averagePrecision'])
      assert.equal(typeof j[k], 'number', k);
    assert.deepEqual(Object.keys(j.matrix).sort(), ['fn', 'fp', 'tn', 'tp']);
    assert.deepEqual(
      j.detectionAtFar.map((d) => d.far),
      [0.001, 0.01, 0.05],
    );
    assert.ok('median' in j.leadTimeDays);
    assert.equal(j.baselines[0].name, 'backblaze-rule');
    assert.equal(typeof j.baselines[0].recall, 'number');
  });

  test('clear errors: unknown or unscored run, two operating points at once, a bad level', async () => {
    await assert.rejects(engine.call('eval/overview', { runId: 999 }), /no training run with id 999/);
    const { jobId } = await engine.call('train/start', { config: tiny });
    const unscored = ((await engine.jobs.wait(jobId)).result as TrainResult).runId;
    await assert.rejects(
      engine.call('eval/at', { runId: unscored, level: 'drive', threshold: 1 }),
      /not been scored/,
    );
    await assert.rejects(
      engine.call('eval/report', { runId, far: 0.01, budget: 2 }),
      (e: Error) => e instanceof ApiError && /at most one of threshold, far and budget/.test(e.message),
    );
    await assert.rejects(
      engine.call('eval/at', { runId, level: 'disk' as EvalLevel, threshold: 1 }),
      /bad request for eval\/at: level/,
    );
  });
});
