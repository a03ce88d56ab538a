/**
 * `npm run bench:startup`: what starting the engine costs, measured on `drive-triage summary --json` (the built CLI,
 * a workspace holding the sample): wall time and peak RSS per start, median of 7. Beside it, the same start with
 * TensorFlow.js and playwright-core preloaded: what every CLI start and Electron's engine process paid while the
 * engine's thread imported them (before issue 19's boundary). Writes bench/results/startup.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'out/main/cli.js');
const RUNS = 7;
const log = (s: string): boolean => process.stderr.write(`bench:startup ${s}\n`);

/** One start: milliseconds from spawn to exit and the child's peak RSS (GNU time's %M, in KiB). */
function start(db: string, preload: string[]): { ms: number; rssMB: number } {
  const args = [
    '-f',
    '%M',
    process.execPath,
    ...preload.flatMap((m) => ['--require', m]),
    '-e',
    `require(${JSON.stringify(CLI)}).main(['summary', '--db', ${JSON.stringify(db)}, '--json']).then((c) => process.exit(c))`,
  ];
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', args, { cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`summary failed: ${r.stderr}`);
  const kib = Number(r.stderr.trim().split('\n').at(-1));
  return { ms, rssMB: kib / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  if (!existsSync(CLI)) throw new Error('the CLI is not built: run `npm run build` first');
  if (!existsSync('/usr/bin/time'))
    throw new Error('GNU time (/usr/bin/time) is needed to read the peak RSS');
  const dir = mkdtempSync(join(tmpdir(), 'dt-startup-'));
  const db = join(dir, 'w.sqlite');
  try {
    const imp = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/drive-triage.js'), 'import', join(ROOT, 'resources/sample'), '--db', db],
      {
        encoding: 'utf8',
      },
    );
    if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
    const variants = [
      { name: 'engine (as shipped)', preload: [] as string[] },
      {
        name: 'engine + @tensorflow/tfjs + playwright-core (before the boundary)',
        preload: ['@tensorflow/tfjs', 'playwright-core'],
      },
    ];
    const rows = variants.map((v) => {
      start(db, v.preload); // warm the file cache
      const runs = Array.from({ length: RUNS }, () => start(db, v.preload));
      const row = {
        variant: v.name,
        medianMs: Math.round(median(runs.map((r) => r.ms))),
        medianRssMB: Math.round(median(runs.map((r) => r.rssMB))),
        runs: RUNS,
      };
      log(`${row.variant}: ${row.medianMs} ms, ${row.medianRssMB} MB peak RSS`);
      return row;
    });
    const out = join(ROOT, 'bench/results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'startup.json'),
      `${JSON.stringify(
        rows.map((r) => ({
          ...r,
          command: 'drive-triage summary --json (sample workspace)',
          cpu: cpus()[0]?.model,
          date: new Date().toISOString(),
        })),
        null,
        2,
      )}\n`,
    );
    log('wrote bench/results/startup.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
