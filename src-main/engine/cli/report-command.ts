import { resolve } from 'node:path';
import type { ReportFormat } from '../api-types';
import type { Engine } from '../engine';
import type { Flags, FlagTable } from './args';
import { UsageError } from './common';

export const REPORT_USAGE = `  drive-triage report --db <file> --run <id> [--threshold X | --far F | --budget K] --out <dir>
                     [--format html,pdf,csv] [--bootstrap N] [--json]   a report for people who never open the app`;

const FORMATS: ReportFormat[] = ['html', 'pdf', 'csv'];

export const REPORT_FLAGS: FlagTable = {
  run: { type: 'integer', value: 'id', help: 'the scored run' },
  out: { type: 'string', value: 'dir', help: 'the folder the report is written to' },
  format: { type: 'string', value: 'html,pdf,csv', help: 'which files (default all three)' },
  bootstrap: {
    type: 'integer',
    value: 'N',
    help: 'bootstrap replicates for the intervals (default 1,000 at drive level, 200 at window level)',
  },
};

export async function runReportCommand(engine: Engine, flags: Flags, json: boolean): Promise<number> {
  const runId = flags.num('run');
  if (runId === undefined) throw new UsageError('report needs --run <id>');
  const out = flags.str('out');
  if (!out) throw new UsageError('report needs --out <dir>');
  const formats = (flags.str('format') ?? 'html,pdf,csv').split(',').map((f) => f.trim()) as ReportFormat[];
  const bad = formats.filter((f) => !FORMATS.includes(f));
  if (bad.length) throw new UsageError(`--format ${bad.join(',')}: use html, pdf and/or csv`);
  const r = await engine.call('report/export', {
    runId,
    outDir: resolve(out),
    formats,
    ...(flags.num('threshold') !== undefined ? { threshold: flags.num('threshold') } : {}),
    ...(flags.num('far') !== undefined ? { far: flags.num('far') } : {}),
    ...(flags.num('budget') !== undefined ? { budget: flags.num('budget') } : {}),
    ...(flags.num('bootstrap') !== undefined ? { bootstrap: flags.num('bootstrap') } : {}),
  });
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    process.stdout.write(`report of run ${runId}, fingerprint ${r.fingerprint}\n`);
    for (const f of r.files)
      process.stdout.write(`  ${f.format.padEnd(4)} ${f.path} (${f.bytes.toLocaleString('en-US')} bytes)\n`);
  }
  return 0;
}
