/**
 * `npm run bench:quality`: how well each model kind finds failing drives on the bundled sample, beside Backblaze's
 * rule and the robust z-score, at drive level: average precision and detection at FAR 0.1/1/5% with 95% bootstrap
 * intervals, and the paired difference to the rule (the same resampled drives for both). Every kind at its defaults,
 * 5-fold cross-validated by drive (the trees' default on the sample; asked for the networks), so every failed drive
 * counts and every row is on the same drives. Writes bench/results/quality.json. `-- --trees-only` skips the
 * sequence models (a minute instead of about twenty); `-- --scale-by-model` adds each sequence model scaled per
 * drive model.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EvalReport, EvalRow, ModelKind, TrainConfig, TrainResult } from '../src-main/engine/api-types';
import { Engine } from '../src-main/engine/engine';

const ROOT = resolve(__dirname, '..');
const treesOnly = process.argv.includes('--trees-only');
/** `-- --scale-by-model`: each sequence model also with per-drive-model scaling (the option's measurement). */
const scaleByModel = process.argv.includes('--scale-by-model');
const BOOTSTRAP = 1000;
const kinds: { label: string; config: TrainConfig }[] = [
  { label: 'gbdt', config: { model: 'gbdt' } },
  { label: 'gbdt (seed 2)', config: { model: 'gbdt', seed: 2 } },
  { label: 'gbdt (seed 3)', config: { model: 'gbdt', seed: 3 } },
  ...(treesOnly
    ? []
    : (['lstm-ae', 'conv-ae', 'lstm-clf'] as ModelKind[]).flatMap((model) => [
        { label: model, config: { model, folds: 5 } },
        ...(scaleByModel
          ? [{ label: `${model} (scaled per drive model)`, config: { model, folds: 5, scaleByModel: true } }]
          : []),
      ])),
];

const log = (s: string): boolean => process.stderr.write(`bench:quality ${s}\n`);

interface QualityRow {
  model: string;
  evaluation: string;
  failedDrives: number;
  healthyDrives: number;
  ap: number | null;
  apInterval: [number, number] | null;
  detectionAtFar: { far: number; detection: number | null; low: number | null; high: number | null }[];
  vsRule: { far: number; difference: number; low: number | null; high: number | null }[];
  /** The model at the rule's own false-alarm rate, and on average precision, minus the rule (paired). */
  vsRuleAtRulePoint?: { far: number; difference: number; low: number | null; high: number | null };
  vsRuleAp?: { difference: number; low: number | null; high: number | null };
  verdict?: string;
  seconds?: number;
}

const detection = (r: EvalRow): QualityRow['detectionAtFar'] =>
  r.detectionAtFar.map((d) => ({
    far: d.far,
    detection: d.detection,
    low: d.interval?.[0] ?? null,
    high: d.interval?.[1] ?? null,
  }));

function modelRow(label: string, e: EvalReport, seconds: number): QualityRow {
  const v = e.vsRule!;
  return {
    model: label,
    evaluation: e.evaluationSet,
    failedDrives: e.positives,
    healthyDrives: e.negatives,
    ap: e.averagePrecision,
    apInterval: e.intervals.averagePrecision,
    detectionAtFar: detection(e),
    vsRule: v.atFar.map((d) => ({
      far: d.far,
      difference: d.difference,
      low: d.interval?.[0] ?? null,
      high: d.interval?.[1] ?? null,
    })),
    vsRuleAtRulePoint: {
      far: v.atBaselinePoint.far,
      difference: v.atBaselinePoint.difference,
      low: v.atBaselinePoint.interval?.[0] ?? null,
      high: v.atBaselinePoint.interval?.[1] ?? null,
    },
    vsRuleAp: {
      difference: v.averagePrecision.difference,
      low: v.averagePrecision.interval?.[0] ?? null,
      high: v.averagePrecision.interval?.[1] ?? null,
    },
    verdict: v.verdict,
    seconds,
  };
}

function baselineRow(r: EvalRow, e: EvalReport): QualityRow {
  return {
    model: r.name,
    evaluation: e.evaluationSet,
    failedDrives: e.positives,
    healthyDrives: e.negatives,
    ap: r.averagePrecision,
    apInterval: r.intervals.averagePrecision,
    detectionAtFar: detection(r),
    vsRule: [],
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dt-quality-'));
  const engine = new Engine({
    dbPath: join(dir, 'w.sqlite'),
    mode: 'cli',
    samplePath: join(ROOT, 'resources/sample'),
  });
  const rows: QualityRow[] = [];
  try {
    await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
    for (const k of kinds) {
      const t0 = performance.now();
      const job = await engine.jobs.wait((await engine.call('train/start', { config: k.config })).jobId);
      const trained = job.result as TrainResult | null;
      if (!trained) throw new Error(`${k.label}: the training job failed: ${job.error ?? job.state}`);
      if (trained.status !== 'done') throw new Error(`${k.label}: ${trained.error ?? trained.status}`);
      await engine.jobs.wait((await engine.call('runs/score', { id: trained.runId })).jobId);
      const seconds = (performance.now() - t0) / 1000;
      const e = await engine.call('eval/report', { runId: trained.runId, far: 0.01, bootstrap: BOOTSTRAP });
      rows.push(modelRow(k.label, e, Math.round(seconds)));
      // The baselines once per evaluation set (cross-validated: every drive; held out: the test split).
      // (Shorter windows leave more failed drives with a window: the set is its text and its count of failed drives.)
      if (
        !rows.some(
          (r) =>
            r.evaluation === e.evaluationSet &&
            r.failedDrives === e.positives &&
            r.model === 'backblaze-rule',
        )
      )
        for (const b of e.baselines) rows.push(baselineRow(b, e));
      const at1 = e.vsRule!.atFar[1];
      log(
        `${k.label}: AP ${e.averagePrecision?.toFixed(3)}, det@1% ${at1.model.toFixed(3)} vs rule ${at1.baseline.toFixed(3)} (${e.evaluationSet}; ${Math.round(seconds)} s) — ${e.vsRule!.verdict}`,
      );
    }
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'quality.json'),
    `${JSON.stringify(
      rows.map((r) => ({
        ...r,
        bootstrap: BOOTSTRAP,
        cpu: cpus()[0]?.model,
        date: new Date().toISOString(),
      })),
      null,
      2,
    )}\n`,
  );
  log(`wrote bench/results/quality.json (${rows.length} rows)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:quality failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
