/**
 * `npm run bench:eval`: how fast the threshold view answers over 1 million
 * scored windows. A store is filled with synthetic scores (20,000 test drives x
 * 50 windows, 1% of drives failing, their last windows scoring higher), then
 * every evaluation Api key is timed through `engine.call` (what Electron IPC
 * and web mode wrap) and the slider's key also over web mode's HTTP. Target:
 * `eval/at` under 5 ms. Writes bench/results/eval.json.
 * BENCH_EVAL_DRIVES / BENCH_EVAL_WINDOWS change the size.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Engine } from '../src-main/engine/engine';
import { rng } from '../src-main/engine/model/rng';
import { fillStore } from './scored-store';
import { startWebServer } from '../src-main/engine/web/server';

const DRIVES = Number(process.env.BENCH_EVAL_DRIVES ?? 20_000);
const PER_DRIVE = Number(process.env.BENCH_EVAL_WINDOWS ?? 50);
const ROOT = resolve(__dirname, '..');
const TMP = join(ROOT, 'bench/tmp/eval');

const log = (m: string): boolean => process.stderr.write(`bench:eval ${m}\n`);

function stats(ms: number[]): { medianMs: number; p99Ms: number; maxMs: number } {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    medianMs: r(s[s.length >> 1]),
    p99Ms: r(s[Math.floor(s.length * 0.99)]),
    maxMs: r(s[s.length - 1]),
  };
}

async function timeIt(n: number, f: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const engine = new Engine({ dbPath: join(TMP, 'w.sqlite'), mode: 'cli' });
  const windows = fillStore(engine, join(TMP, 'run1'), { drives: DRIVES, perDrive: PER_DRIVE });
  log(`${windows.toLocaleString('en-US')} windows of ${DRIVES.toLocaleString('en-US')} drives stored`);
  const rows: Record<string, unknown>[] = [];
  const runId = 1;

  let t0 = performance.now();
  const o = await engine.call('eval/overview', { runId });
  rows.push({ key: 'eval/overview (first call: loads and sorts the run)', ms: performance.now() - t0 });
  const { min, max } = o.scoreRange;
  const random = rng(7);
  for (const level of ['window', 'drive'] as const) {
    await engine.call('eval/at', { runId, level, threshold: (min + max) / 2 });
    const ms = await timeIt(2000, () =>
      engine.call('eval/at', { runId, level, threshold: min + random() * (max - min) }),
    );
    rows.push({ key: `eval/at level=${level} (slider move)`, calls: ms.length, ...stats(ms), targetMs: 5 });
  }
  const server = await startWebServer(engine, {
    port: 0,
    rendererDir: TMP,
    uploadDir: join(TMP, 'up'),
    allowedRoots: [TMP],
  });
  const http = await timeIt(500, () =>
    fetch(new URL('/api/eval/at', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-drive-triage-token': server.token },
      body: JSON.stringify({ runId, level: 'window', threshold: min + random() * (max - min) }),
    }).then((r) => r.json()),
  );
  rows.push({
    key: 'eval/at over web mode HTTP (round trip, 127.0.0.1)',
    calls: http.length,
    ...stats(http),
  });
  await server.close();
  const once = async (key: string, f: () => Promise<unknown>): Promise<void> => {
    const ms = await timeIt(3, f);
    rows.push({ key, calls: 3, ...stats(ms) });
  };
  const t = o.suggestedThreshold;
  await once('eval/curves level=window, 500 points', () =>
    engine.call('eval/curves', { runId, level: 'window', maxPoints: 500 }),
  );
  await once('eval/preset far=0.01 level=window', () =>
    engine.call('eval/preset', { runId, level: 'window', preset: { kind: 'far', far: 0.01 } }),
  );
  await once('eval/preset max-f1 level=window', () =>
    engine.call('eval/preset', { runId, level: 'window', preset: { kind: 'max-f1' } }),
  );
  await once('eval/preset cost level=window', () =>
    engine.call('eval/preset', {
      runId,
      level: 'window',
      preset: { kind: 'cost', missCost: 100, falseAlarmCost: 1 },
    }),
  );
  await once('eval/lead-times', () => engine.call('eval/lead-times', { runId, threshold: t }));
  await once('eval/alerts', () => engine.call('eval/alerts', { runId, threshold: t }));
  t0 = performance.now();
  await engine.call('eval/report', { runId, level: 'drive', bootstrap: 200 });
  rows.push({
    key: 'eval/report level=drive, 200 bootstrap replicates, 2 baselines',
    ms: performance.now() - t0,
  });
  t0 = performance.now();
  await engine.call('eval/report', { runId, level: 'drive' });
  rows.push({
    key: 'eval/report level=drive, the default 1,000 replicates, 2 baselines and the paired comparison',
    ms: performance.now() - t0,
  });
  t0 = performance.now();
  await engine.call('eval/report', { runId, level: 'window', bootstrap: 200 });
  rows.push({
    key: 'eval/report level=window, 200 bootstrap replicates, 2 baselines',
    ms: performance.now() - t0,
  });
  // The engine keeps answering while a report's bootstraps run in worker threads: the slowest eval/at (the
  // slider's call) during one, against the report's own time.
  const sliderDuring = async (level: 'drive' | 'window', what: string): Promise<void> => {
    t0 = performance.now();
    let reportDone = false;
    const report = engine.call('eval/report', { runId, level }).then(() => {
      reportDone = true;
    });
    const during: number[] = [];
    while (!reportDone) {
      const t1 = performance.now();
      await engine.call('eval/at', { runId, level: 'window', threshold: t });
      during.push(performance.now() - t1);
      await new Promise((r) => setTimeout(r, 10));
    }
    await report;
    rows.push({
      key: `eval/at while ${what} runs: slowest answer, ms`,
      ms: Math.max(...during),
      calls: during.length,
      reportMs: performance.now() - t0,
    });
  };
  await sliderDuring('window', 'a window-level report (200 replicates)');
  await sliderDuring('drive', 'a drive-level report (1,000 replicates, the paired comparison)');
  await engine.close();
  for (const r of rows) log(JSON.stringify(r));
  const out = {
    when: new Date().toISOString(),
    machine: `${process.platform} ${process.arch}, Node ${process.version}`,
    windows,
    drives: DRIVES,
    rows,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/eval.json'), `${JSON.stringify(out, null, 2)}\n`);
  rmSync(TMP, { recursive: true, force: true });
}

void main();
