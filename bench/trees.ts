/**
 * `npm run bench:trees`: the native gradient-boosted trees against XGBoost's `hist` (Debian's python3-xgboost) in the
 * same run, on the same matrices and settings: the sample's real window features (every window of the bundled
 * sample, 42 inputs) and a synthetic 1,000,000 x 42 matrix with missing values. Training rows/s (rows x rounds per
 * second) on every core and on one, and scoring rows/s: ours as a run scores (the native engine's margins with each
 * row's contributions summed per attribute, the JS fallback beside it), theirs through Booster.predict (margins
 * alone). Writes bench/results/trees.json. Needs /usr/bin/python3 with xgboost (apt-get install
 * python3-xgboost).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Engine } from '../src-main/engine/engine';
import { buildDataset, DEFAULT_DATASET } from '../src-main/engine/model/dataset';
import { GbdtModel, modelFile } from '../src-main/engine/model/gbdt/gbdt-model';
import { explainInJs, explainNative } from '../src-main/engine/model/gbdt/score-trees';
import { WINDOW_FEATURES } from '../src-main/engine/model/gbdt/window-features';
import { treeInputs, windowTable } from '../src-main/engine/model/gbdt/window-table';
import { loadNative, type GbdtParams } from '../src-main/engine/model/native/addon';
import { defaultAttributes } from '../src-main/engine/model/run-training';
import { rng } from '../src-main/engine/model/rng';

const ROOT = resolve(__dirname, '..');
const PYTHON = '/usr/bin/python3';
const log = (s: string): boolean => process.stderr.write(`bench:trees ${s}\n`);

const PARAMS = {
  rounds: 100,
  learningRate: 0.1,
  maxDepth: 6,
  maxLeaves: 0,
  minChildWeight: 1,
  lambda: 1,
  minSplitGain: 0,
  subsample: 1,
  colsample: 1,
  loss: 'logistic' as const,
  positiveWeight: 1,
  gamma: 2,
  alpha: 0.25,
  earlyStopRounds: 0,
  seed: 1,
};

interface Matrix {
  name: string;
  x: Float32Array;
  y: Uint8Array;
  n: number;
  f: number;
}

async function sampleMatrix(dir: string): Promise<Matrix> {
  const engine = new Engine({
    dbPath: join(dir, 'w.sqlite'),
    mode: 'cli',
    samplePath: join(ROOT, 'resources/sample'),
  });
  await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
  const ds = buildDataset(
    engine.db,
    { ...DEFAULT_DATASET, windowDays: 8, attributes: defaultAttributes(engine.db), testFraction: 0 },
    { keepRaw: true },
  );
  const t = windowTable(
    ds,
    treeInputs(engine.db, ds, { kinds: [...WINDOW_FEATURES], driveModel: true, capacity: true, rule: true }),
  );
  await engine.close();
  return { name: `bundled sample's window features`, x: t.x, y: t.y, n: t.count, f: t.features.length };
}

function syntheticMatrix(n: number, f: number): Matrix {
  const random = rng(7);
  const x = new Float32Array(n * f);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < f; c++) x[i * f + c] = random() < 0.05 ? NaN : random() * (c % 3 === 0 ? 1e6 : 1);
    y[i] = x[i * f + 1] + x[i * f + 2] * x[i * f + 4] > 1.1 && random() < 0.9 ? 1 : 0;
  }
  return { name: `synthetic ${n.toLocaleString('en-US')} x ${f}, 5% missing`, x, y, n, f };
}

function ours(m: Matrix, threads: number): { seconds: number; trainLoss: number; model: GbdtModel } {
  const native = loadNative().module!;
  const p: GbdtParams = { ...PARAMS, threads };
  const none = new Float32Array(0);
  const t0 = performance.now();
  const g = native.gbdtTrain(m.x, m.y, m.n, m.f, none, new Uint8Array(0), 0, p);
  const seconds = (performance.now() - t0) / 1000;
  return {
    seconds,
    trainLoss: g.trainLoss[g.trainLoss.length - 1],
    model: new GbdtModel(
      modelFile(
        Array.from({ length: m.f }, (_, k) => `f${k}`),
        g.trees,
      ),
    ),
  };
}

function xgboost(
  dir: string,
  m: Matrix,
  threads: number,
): { train: number; predict: number; trainLoss: number } {
  writeFileSync(join(dir, 'x.bin'), Buffer.from(m.x.buffer, m.x.byteOffset, m.x.byteLength));
  writeFileSync(join(dir, 'y.bin'), Buffer.from(m.y.buffer, m.y.byteOffset, m.y.byteLength));
  const script = `
import json, sys, time, numpy as np, xgboost as xgb
n, f, threads, rounds = ${m.n}, ${m.f}, ${threads}, ${PARAMS.rounds}
x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(n, f); y = np.fromfile(sys.argv[2], dtype=np.uint8)
d = xgb.DMatrix(x, label=y, missing=np.nan, nthread=threads)
params = {'tree_method': 'hist', 'max_depth': ${PARAMS.maxDepth}, 'eta': ${PARAMS.learningRate}, 'objective': 'binary:logistic',
          'nthread': threads, 'max_bin': 256, 'lambda': 1, 'min_child_weight': 1, 'base_score': 0.5, 'eval_metric': 'logloss'}
res = {}
t = time.perf_counter(); b = xgb.train(params, d, rounds, evals=[(d, 't')], verbose_eval=False, evals_result=res); train = time.perf_counter() - t
t = time.perf_counter(); b.predict(d); predict = time.perf_counter() - t
print(json.dumps({'train': train, 'predict': predict, 'trainLoss': res['t']['logloss'][-1], 'version': xgb.__version__}))
`;
  const r = spawnSync(PYTHON, ['-c', script, join(dir, 'x.bin'), join(dir, 'y.bin')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`xgboost failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { train: number; predict: number; trainLoss: number };
}

async function main(): Promise<void> {
  if (!loadNative().module) throw new Error(`the native engine is not built: ${loadNative().error}`);
  const probe = spawnSync(PYTHON, ['-c', 'import xgboost; print(xgboost.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0)
    throw new Error('Debian python3-xgboost is not installed (apt-get install python3-xgboost)');
  const dir = mkdtempSync(join(tmpdir(), 'dt-bench-trees-'));
  const rows: Record<string, unknown>[] = [];
  const all = cpus().length;
  try {
    for (const m of [await sampleMatrix(dir), syntheticMatrix(1_000_000, 42)]) {
      for (const threads of [...new Set([all, 1])]) {
        const a = ours(m, threads);
        const b = xgboost(dir, m, threads);
        const groups = Int32Array.from({ length: m.f }, (_, k) => k % 8);
        const t0 = performance.now();
        explainNative(loadNative().module!, a.model.forest(), groups, m.x, m.n, 8, threads);
        const predict = (performance.now() - t0) / 1000;
        const t1 = performance.now();
        explainInJs(a.model, groups, m.x, m.n, 8);
        const predictJs = (performance.now() - t1) / 1000;
        const rowRounds = m.n * PARAMS.rounds;
        const row = {
          matrix: m.name,
          rows: m.n,
          features: m.f,
          rounds: PARAMS.rounds,
          maxDepth: PARAMS.maxDepth,
          threads,
          oursTrainRowsPerSec: Math.round(rowRounds / a.seconds),
          xgboostTrainRowsPerSec: Math.round(rowRounds / b.train),
          trainRatio: +(b.train / a.seconds).toFixed(2),
          oursScoreRowsPerSec: Math.round(m.n / predict),
          oursJsScoreRowsPerSec: Math.round(m.n / predictJs),
          xgboostScoreRowsPerSec: Math.round(m.n / b.predict),
          scoreRatio: +(b.predict / predict).toFixed(2),
          // The same data and settings: the training loss should agree closely.
          oursFinalTrainLoss: +a.trainLoss.toFixed(6),
          xgboostFinalTrainLoss: +b.trainLoss.toFixed(6),
        };
        rows.push(row);
        log(JSON.stringify(row));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'trees.json'),
    `${JSON.stringify({ machine: { cpu: cpus()[0]?.model, cores: all }, peer: `xgboost ${probe.stdout.trim()} (hist)`, date: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  log('wrote bench/results/trees.json');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:trees failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
