import { resolve } from 'node:path';
import type { ReportFormat } from '../api-types';
import type { Engine } from '../engine';
import { flagReaders, UsageError } from './common';

export const REPORT_USAGE = `  drive-triage report --db <file> --run <id> [--threshold X | --far F | --budget K] --out <dir>
                     [--format html,pdf,csv] [--bootstrap N] [--json]   a report for people who never open the app`;

const FORMATS: ReportFormat[] = ['html', 'pdf', 'csv'];

export async function runReportCommand(
  engine: Engine,
  flags: Map<string, string | true>,
  json: boolean,
): Promise<number> {
  const { str, num } = flagReaders(flags);
  const runId = num('run');
  if (runId === undefined || !Number.isInteger(runId)) throw new UsageError('report needs --run <id>');
  const out = str('out');
  if (!out) throw new UsageError('report needs --out <dir>');
  const formats = (str('format') ?? 'html,pdf,csv').split(',').map((f) => f.trim()) as ReportFormat[];
  const bad = formats.filter((f) => !FORMATS.includes(f));
  if (bad.length) throw new UsageError(`--format ${bad.join(',')}: use html, pdf and/or csv`);
  const r = await engine.call('report/export', {
    runId,
    outDir: resolve(out),
    formats,
    ...(num('threshold') !== undefined ? { threshold: num('threshold') } : {}),
    ...(num('far') !== undefined ? { far: num('far') } : {}),
    ...(num('budget') !== undefined ? { budget: num('budget') } : {}),
    ...(num('bootstrap') !== undefined ? { bootstrap: num('bootstrap') } : {}),
  });
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    process.stdout.write(`report of run ${runId}, fingerprint ${r.fingerprint}\n`);
    for (const f of r.files)
      process.stdout.write(`  ${f.format.padEnd(4)} ${f.path} (${f.bytes.toLocaleString('en-US')} bytes)\n`);
  }
  return 0;
}
