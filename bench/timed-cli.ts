import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'bin/drive-triage.js');

/** Runs the built CLI with `--json` under GNU time: its JSON output, wall seconds and peak RSS in MB. */
export function timedCli(args: string[]): { out: unknown; seconds: number; peakRssMB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, ...args, '--json'], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr}`);
  const kib = Number(r.stderr.trim().split('\n').at(-1));
  return { out: JSON.parse(r.stdout), seconds, peakRssMB: Math.round(kib / 1024) };
}

/** Throws unless the CLI has been built (the benches time the shipped code, not ts-node). */
export function requireBuiltCli(): void {
  if (!existsSync(join(ROOT, 'out/main/cli.js')))
    throw new Error('the CLI is not built: run `npm run build` first');
}
