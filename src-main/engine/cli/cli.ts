import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { PairedComparison, PairedDifference } from '../api-types';
import {
  ApiError,
  isImportProgress,
  type DriveStatus,
  type ImportResult,
  type ScoreResult,
  type TrainConfig,
  type TrainResult,
} from '../api-types';
import { trainConfig } from '../api-schemas';
import { alertsInWords } from '../eval/alert-words';
import { Engine } from '../engine';
import { startWebServer } from '../web/server';
import { didYouMean, flagHelp, parseCommandLine, type FlagTable, type Flags } from './args';
import { exitWhenFlushed, printable, UsageError, waitWithCtrlC } from './common';

export { exitWhenFlushed };
import { runSearchCommand, SEARCH_FLAGS, SEARCH_USAGE } from './search-command';
import { REPORT_FLAGS, REPORT_USAGE, runReportCommand } from './report-command';
import { duration, progressLine } from './progress-bar';
import {
  QUEUE_FLAGS,
  QUEUE_USAGE,
  runQueueCommand,
  runServiceCommand,
  runUpdateCommand,
  SERVICE_FLAGS,
  SERVICE_USAGE,
  UPDATE_USAGE,
} from './triage-command';

const DB: FlagTable = {
  db: { type: 'string', value: 'file', help: 'the workspace database (or DRIVE_TRIAGE_DB)' },
};
const JSON_FLAG: FlagTable = { json: { type: 'boolean', help: 'print the result as JSON' } };
const THRESHOLD_FLAGS: FlagTable = {
  threshold: { type: 'number', value: 'X', help: 'alert when a score is at least X' },
  far: { type: 'number', value: 'F', help: 'or: the threshold with this false-alarm rate (0..1)' },
  budget: { type: 'integer', value: 'K', help: 'or: the threshold giving K alerts per day' },
};

interface Invocation {
  positionals: string[];
  flags: Flags;
  json: boolean;
  dbPath: string;
}

/** One CLI command: its synopsis, its flags (the only ones accepted), its positional arguments, and its run. */
interface Command {
  synopsis: string;
  flags: FlagTable;
  positionals: { max: number; what: string };
  run(engine: Engine, a: Invocation): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  import: {
    synopsis: `drive-triage import <paths...> --db <file> [--json]   import Backblaze CSV, CSV.GZ, ZIP files or folders`,
    flags: { ...DB, ...JSON_FLAG },
    positionals: { max: Infinity, what: 'files or folders' },
    run: (e, a) => runImportCommand(e, a.positionals, a.json),
  },
  summary: {
    synopsis: `drive-triage summary --db <file> [--json]             days, drives, failures, models, attribute fill rates`,
    flags: { ...DB, ...JSON_FLAG },
    positionals: { max: 0, what: '' },
    run: (e, a) => runSummary(e, a.json),
  },
  drives: {
    synopsis: `drive-triage drives --db <file> [--failed|--healthy] [--model M] [--search S] [--limit N] [--json]`,
    flags: {
      ...DB,
      failed: { type: 'boolean', help: 'only drives that failed' },
      healthy: { type: 'boolean', help: 'only drives that did not fail' },
      model: { type: 'string', value: 'M', help: 'only this drive model' },
      search: { type: 'string', value: 'S', help: 'serial numbers containing S' },
      limit: { type: 'integer', value: 'N', help: 'at most N drives (default 100)' },
      ...JSON_FLAG,
    },
    positionals: { max: 0, what: '' },
    run: (e, a) => runDrives(e, a.flags, a.json),
  },
  serve: {
    synopsis: `drive-triage serve --db <file> [--port N] [--sample] [--allow-path DIR]... [--max-upload-mb N]
                                                        web mode: the app's UI on 127.0.0.1; the page imports
                                                        and exports only inside the workspace's folder, its
                                                        uploads and each --allow-path`,
    flags: {
      ...DB,
      port: { type: 'integer', value: 'N', help: 'the port (default: any free one)' },
      sample: { type: 'boolean', help: 'import the bundled sample into an empty workspace' },
      'allow-path': { type: 'list', value: 'DIR', help: 'a folder the page may import from and export to' },
      'max-upload-mb': { type: 'number', value: 'N', help: 'the largest upload the page may send' },
    },
    positionals: { max: 0, what: '' },
    run: (e, a) => runServe(e, a.flags, resolve(a.dbPath)),
  },
  train: {
    synopsis: `drive-triage train --db <file> --model gbdt|lstm-ae|conv-ae|lstm-clf [--config file.json] [--epochs N]
                     [--seed N] [--backend native|tensorflow|wasm|cpu] [--json]
                                                        train a model (settings: TrainConfig, ARCHITECTURE.md)`,
    flags: {
      ...DB,
      model: { type: 'string', value: 'kind', help: 'gbdt, lstm-ae, conv-ae or lstm-clf' },
      config: { type: 'string', value: 'file.json', help: 'training settings (TrainConfig fields)' },
      epochs: { type: 'integer', value: 'N', help: 'epochs (sequence models)' },
      seed: { type: 'integer', value: 'N', help: 'the random seed' },
      backend: { type: 'string', value: 'name', help: 'native, tensorflow, wasm or cpu' },
      ...JSON_FLAG,
    },
    positionals: { max: 0, what: '' },
    run: (e, a) => runTrain(e, a.flags, a.json),
  },
  score: {
    synopsis: `drive-triage score --db <file> --run <id> [--json]    score every drive with a trained run`,
    flags: { ...DB, run: { type: 'integer', value: 'id', help: 'the training run' }, ...JSON_FLAG },
    positionals: { max: 0, what: '' },
    run: (e, a) => runScore(e, a.flags, a.json),
  },
  evaluate: {
    synopsis: `drive-triage evaluate --db <file> --run <id> [--threshold X | --far F | --budget K] [--level drive|window]
                     [--bootstrap N] [--json]           metrics, detection at FAR 0.1/1/5%, lead times, baselines`,
    flags: {
      ...DB,
      run: { type: 'integer', value: 'id', help: 'the scored run' },
      ...THRESHOLD_FLAGS,
      level: { type: 'string', value: 'drive|window', help: 'count drives (default) or windows' },
      bootstrap: {
        type: 'integer',
        value: 'N',
        help: 'bootstrap replicates for the intervals (default 1,000 at drive level, 200 at window level)',
      },
      ...JSON_FLAG,
    },
    positionals: { max: 0, what: '' },
    run: (e, a) => runEvaluate(e, a.flags, a.json),
  },
  runs: {
    synopsis: `drive-triage runs --db <file> [--json]                list training runs
  drive-triage runs show|export|resume|delete <id> --db <file> [--out <dir>] [--json]`,
    flags: { ...DB, out: { type: 'string', value: 'dir', help: 'where runs export writes' }, ...JSON_FLAG },
    positionals: { max: 2, what: 'show|export|resume|delete <id>' },
    run: (e, a) => runRuns(e, a.positionals, a.flags, a.json),
  },
  search: {
    synopsis: SEARCH_USAGE.trimStart(),
    flags: { ...DB, ...SEARCH_FLAGS, ...JSON_FLAG },
    positionals: { max: 2, what: 'list|show|resume|cancel <id>' },
    run: (e, a) => runSearchCommand(e, a.positionals, a.flags, a.json),
  },
  update: {
    synopsis: UPDATE_USAGE.trimStart(),
    flags: { ...DB, ...JSON_FLAG },
    positionals: { max: Infinity, what: 'new files or folders' },
    run: (e, a) => runUpdateCommand(e, a.positionals, a.json),
  },
  service: {
    synopsis: SERVICE_USAGE.trimStart(),
    flags: { ...DB, ...SERVICE_FLAGS, ...JSON_FLAG },
    positionals: { max: 2, what: 'put <run id> | retire' },
    run: (e, a) => runServiceCommand(e, a.positionals, a.flags, a.json),
  },
  queue: {
    synopsis: QUEUE_USAGE.trimStart(),
    flags: { ...DB, ...QUEUE_FLAGS, ...JSON_FLAG },
    positionals: { max: 0, what: '' },
    run: (e, a) => runQueueCommand(e, a.flags, a.json),
  },
  report: {
    synopsis: REPORT_USAGE.trimStart(),
    flags: { ...DB, ...REPORT_FLAGS, ...THRESHOLD_FLAGS, ...JSON_FLAG },
    positionals: { max: 0, what: '' },
    run: (e, a) => runReportCommand(e, a.flags, a.json),
  },
};

const USAGE = `drive-triage: find failing hard drives before they fail

Usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.synopsis}`)
  .join('\n')}

--db may also come from the DRIVE_TRIAGE_DB environment variable; drive-triage <command> --help lists a command's options.`;

/** `drive-triage <command> --help`: its synopsis and every option it takes. */
function commandHelp(name: string, c: Command): string {
  return `Usage:\n  ${c.synopsis}\n\nOptions:\n${flagHelp({ ...c.flags, help: { type: 'boolean', help: 'this help' } })}`;
}

function rendererDir(): string {
  const candidates = [
    join(__dirname, '../renderer'),
    resolve(__dirname, '../../../out/renderer'),
    resolve('out/renderer'),
  ];
  const found = candidates.find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error('the UI is not built yet: run `npm run build` first');
  return found;
}

async function runImportCommand(engine: Engine, paths: string[], json: boolean): Promise<number> {
  if (paths.length === 0) throw new UsageError('import needs at least one path');
  const tty = process.stderr.isTTY && !json;
  const off = engine.on('job/progress', (e) => {
    if (tty && isImportProgress(e.progress)) process.stderr.write(`\r${progressLine(e.progress)}\x1b[K`);
  });
  const { jobId } = await engine.call('import/start', { paths });
  const job = await waitWithCtrlC(engine, jobId);
  off();
  if (tty) process.stderr.write('\n');
  if (job.state === 'failed') throw new Error(job.error ?? 'the import failed');
  const r = job.result as ImportResult;
  if (json) {
    // Peak memory of the whole import (every thread of this process), for benchmarks and capacity planning.
    const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    process.stdout.write(`${JSON.stringify({ ...r, peakRssMB }, null, 2)}\n`);
  } else {
    for (const f of r.files) {
      const counts = `${f.rowsAccepted} accepted, ${f.rowsRejected} rejected, ${f.rowsDuplicate} duplicate`;
      process.stdout.write(
        `${f.status.padEnd(16)} ${f.name}: ${counts}${f.message ? ` (${f.message})` : ''}\n`,
      );
    }
    for (const s of r.skipped) process.stdout.write(`${'skipped'.padEnd(16)} ${s.name}: ${s.reason}\n`);
    process.stdout.write(
      `${r.rowsAccepted} rows accepted, ${r.rowsRejected} rejected, ${r.rowsDuplicate} duplicate in ${r.seconds.toFixed(1)} s${r.cancelled ? ' (cancelled)' : ''}\n`,
    );
  }
  return r.files.some((f) => f.status === 'refused') || r.cancelled ? 1 : 0;
}

async function runSummary(engine: Engine, json: boolean): Promise<number> {
  const s = await engine.call('dataset/summary', {});
  if (json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    `${s.rows.toLocaleString('en-US')} readings, ${s.drives.toLocaleString('en-US')} drives, ${s.failures} failures, ${s.days} days (${s.firstDay ?? '-'} .. ${s.lastDay ?? '-'})\n\nModels:\n`,
  );
  for (const m of s.models)
    process.stdout.write(
      `  ${printable(m.model).padEnd(28)} ${String(m.drives).padStart(8)} drives ${String(m.failures).padStart(6)} failed\n`,
    );
  process.stdout.write('\nAttributes (fill rate):\n');
  for (const a of s.attributes)
    process.stdout.write(`  ${a.name.padEnd(28)} ${(a.fillRate * 100).toFixed(1).padStart(6)}%\n`);
  return 0;
}

async function runDrives(engine: Engine, flags: Flags, json: boolean): Promise<number> {
  if (flags.has('failed') && flags.has('healthy')) throw new UsageError('--failed or --healthy, not both');
  const status: DriveStatus = flags.has('failed') ? 'failed' : flags.has('healthy') ? 'healthy' : 'all';
  const limit = flags.num('limit') ?? 100;
  if (limit < 1) throw new UsageError('--limit must be a positive whole number');
  const page = await engine.call('drives/list', {
    status,
    model: flags.str('model'),
    search: flags.str('search'),
    limit,
  });
  if (json) {
    process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return 0;
  }
  for (const d of page.rows) {
    process.stdout.write(
      `${printable(d.serial).padEnd(22)} ${printable(d.model).padEnd(26)} ${d.firstDay} .. ${d.lastDay} ${String(d.daysSeen).padStart(5)} days${d.failureDay ? `  FAILED ${d.failureDay}` : ''}\n`,
    );
  }
  process.stdout.write(`${page.rows.length} of ${page.total} drives\n`);
  return 0;
}

async function runServe(engine: Engine, flags: Flags, dbPath: string): Promise<number> {
  const port = flags.num('port') ?? 0;
  if (port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
  const allowed = flags.all('allow-path');
  for (const dir of allowed)
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new UsageError(`--allow-path ${dir}: not a folder`);
  const uploadMb = flags.num('max-upload-mb');
  if (uploadMb !== undefined && !(uploadMb > 0))
    throw new UsageError('--max-upload-mb must be a positive number');
  const server = await startWebServer(engine, {
    port,
    rendererDir: rendererDir(),
    uploadDir: join(dirname(dbPath), 'uploads'),
    allowedRoots: [dirname(dbPath), ...allowed],
    maxUploadBytes: uploadMb === undefined ? undefined : Math.round(uploadMb * 1024 * 1024),
  });
  if (flags.has('sample') && (await engine.call('app/info', {})).empty)
    await engine.call('import/sample', {});
  process.stdout.write(`Drive Triage web mode: open ${server.url}\n`);
  await new Promise<void>((r) => {
    process.once('SIGINT', r);
    process.once('SIGTERM', r);
  });
  await server.close();
  return 0;
}

async function runTrain(engine: Engine, flags: Flags, json: boolean): Promise<number> {
  let base: Record<string, unknown> = {};
  const file = flags.str('config');
  if (file) {
    try {
      base = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`${file}: not a readable JSON file (${(err as Error).message})`);
    }
  }
  const merged = {
    ...base,
    ...(flags.str('model') ? { model: flags.str('model') } : {}),
    ...(flags.num('epochs') !== undefined ? { epochs: flags.num('epochs') } : {}),
    ...(flags.num('seed') !== undefined ? { seed: flags.num('seed') } : {}),
    ...(flags.str('backend') ? { backend: flags.str('backend') } : {}),
  };
  const parsed = trainConfig.safeParse(merged);
  if (!parsed.success) {
    throw new UsageError(
      `bad training settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`,
    );
  }
  const tty = process.stderr.isTTY && !json;
  const off = engine.on('job/progress', (e) => {
    const p = e.progress;
    if (tty && 'epoch' in p) {
      process.stderr.write(
        `\repoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toPrecision(4)} ${Math.round(p.seqPerSec)} seq/s ETA ${duration(p.etaSec)}\x1b[K`,
      );
    }
  });
  const { jobId } = await engine.call('train/start', { config: parsed.data as TrainConfig });
  const job = await waitWithCtrlC(engine, jobId);
  off();
  if (tty) process.stderr.write('\n');
  const r = job.result as TrainResult | null;
  if (!r) throw new Error(job.error ?? `training ${job.state}`);
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    process.stdout.write(
      `run ${r.runId}: ${r.status} on ${r.backend} (${r.device}), ${r.epochs} epochs, loss ${r.finalLoss ?? '-'}, validation ${r.valLoss ?? '-'}, ${r.seconds.toFixed(1)} s\n`,
    );
    for (const n of r.notices) process.stdout.write(`  note: ${n}\n`);
    if (r.error) process.stderr.write(`drive-triage: ${r.error}\n`);
  }
  return r.status === 'done' ? 0 : 1;
}

async function runScore(engine: Engine, flags: Flags, json: boolean): Promise<number> {
  const id = flags.num('run');
  if (id === undefined) throw new UsageError('score needs --run <id>');
  const tty = process.stderr.isTTY && !json;
  const off = engine.on('job/progress', (e) => {
    const p = e.progress;
    if (tty && e.kind === 'score' && 'windowsPerSec' in p)
      process.stderr.write(
        `\rscoring ${(p.fraction * 100).toFixed(1)}%  ${p.windows.toLocaleString('en-US')} windows  ${Math.round(p.windowsPerSec).toLocaleString('en-US')} windows/s  ETA ${duration(p.etaSec)}\x1b[K`,
      );
  });
  const { jobId } = await engine.call('runs/score', { id });
  const job = await waitWithCtrlC(engine, jobId);
  off();
  if (tty) process.stderr.write('\n');
  if (job.state === 'failed' || !job.result) throw new Error(job.error ?? `scoring ${job.state}`);
  const r = job.result as ScoreResult;
  if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    process.stdout.write(
      `run ${id}: scored ${r.windows} windows of ${r.drives} drives in ${r.seconds.toFixed(1)} s\n`,
    );
    const top = await engine.call('scores/top', { runId: id, limit: 10 });
    for (const d of top.rows) {
      process.stdout.write(
        `  ${printable(d.serial).padEnd(22)} ${printable(d.model).padEnd(26)} ${d.score.toPrecision(4).padStart(10)} on ${d.scoreDay}${d.failureDay ? `  failed ${d.failureDay}` : ''}\n`,
      );
    }
  }
  return r.status === 'done' ? 0 : 1;
}

const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const interval = (i: [number, number] | null): string =>
  i ? ` [${(i[0] * 100).toFixed(1)}, ${(i[1] * 100).toFixed(1)}]` : '';

async function runEvaluate(engine: Engine, flags: Flags, json: boolean): Promise<number> {
  const runId = flags.num('run');
  if (runId === undefined) throw new UsageError('evaluate needs --run <id>');
  const level = flags.str('level') ?? 'drive';
  if (level !== 'drive' && level !== 'window') throw new UsageError('--level is drive or window');
  const r = await engine.call('eval/report', {
    runId,
    level,
    threshold: flags.num('threshold'),
    far: flags.num('far'),
    budget: flags.num('budget'),
    bootstrap: flags.num('bootstrap'),
  });
  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`run ${r.runId}, ${r.level} level, on ${r.evaluationSet}, ${r.firstDay} .. ${r.lastDay}`);
  out(`${r.positives} positive and ${r.negatives} negative ${r.level}s`);
  out(`threshold ${r.threshold} (${r.operatingPoint}), ${alertsInWords(r)}`);
  const m = r.matrix;
  out(`  TP ${m.tp}  FP ${m.fp}  TN ${m.tn}  FN ${m.fn}`);
  out(
    `  detection ${pct(r.recall)}${interval(r.intervals.recall)}  false alarms ${pct(r.far)}${interval(r.intervals.far)}  precision ${pct(r.precision)}${interval(r.intervals.precision)}`,
  );
  out(
    `  lead time: median ${r.leadTimeDays.median ?? '-'} days over ${r.leadTimeDays.caught} caught of ${r.leadTimes.failed} failed`,
  );
  out(
    `\n${'row'.padEnd(26)} ${'det@FAR1%'.padStart(24)} ${'avg precision'.padStart(24)} ${'median lead'.padStart(12)}`,
  );
  for (const row of [r, ...r.baselines, ...r.runs]) {
    const at1 = row.detectionAtFar.find((d) => d.far === 0.01);
    out(
      `${row.name.padEnd(26)} ${`${pct(at1?.detection ?? null)}${interval(at1?.interval ?? null)}`.padStart(24)} ${`${pct(row.averagePrecision)}${interval(row.intervals.averagePrecision)}`.padStart(24)} ${String(row.leadTimeDays.median ?? '-').padStart(12)}`,
    );
  }
  for (const x of r.excludedRuns) out(`  (run ${x.runId} not compared: ${x.reason})`);
  if (r.vsRule) printVsRule(out, r.vsRule);
  for (const n of r.notices) out(`note: ${n}`);
  return 0;
}

/** The paired comparison with Backblaze's rule: one line per false-alarm rate, then the verdict. */
function printVsRule(out: (line: string) => void, c: PairedComparison): void {
  const points = (v: number): string => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}`;
  const line = (label: string, d: PairedDifference, unit: string): void =>
    out(
      `  ${label.padEnd(24)} model ${pct(d.model).padStart(6)}  rule ${pct(d.baseline).padStart(6)}  difference ${points(d.difference)}${unit}${d.interval ? ` [${points(d.interval[0])}, ${points(d.interval[1])}]` : ''}`,
    );
  out(`
against Backblaze's rule, paired over the same ${c.failedDrives + c.healthyDrives} drives (${c.replicates} replicates):`);
  line(`at the rule's FAR ${pct(c.atBaselinePoint.far)}`, c.atBaselinePoint, ' points');
  for (const d of c.atFar) line(`detection at FAR ${d.far * 100}%`, d, ' points');
  line('average precision', c.averagePrecision, ' points');
  out(`  ${c.verdict}`);
}

async function runRuns(engine: Engine, args: string[], flags: Flags, json: boolean): Promise<number> {
  const [verb, idText] = args;
  if (!verb) {
    const runs = await engine.call('runs/list', {});
    if (json) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    else
      for (const r of runs)
        process.stdout.write(
          `${String(r.id).padStart(4)} ${r.kind.padEnd(9)} ${r.status.padEnd(9)} ${r.backend.padEnd(10)} epochs ${r.epochsDone} loss ${r.finalLoss ?? '-'} val ${r.valLoss ?? '-'}  ${r.startedAt}\n`,
        );
    return 0;
  }
  const verbs = ['show', 'export', 'resume', 'delete'];
  if (!verbs.includes(verb)) {
    const near = didYouMean(verb, verbs);
    throw new UsageError(`unknown runs command "${verb}"${near ? ` (did you mean ${near}?)` : ''}`);
  }
  const id = Number(idText);
  if (!Number.isInteger(id)) throw new UsageError(`runs ${verb} needs a run id`);
  if (verb === 'show') {
    const r = await engine.call('runs/get', { id });
    process.stdout.write(
      `${JSON.stringify(json ? r : { ...r, batches: `${r.batches.length} batches` }, null, 2)}\n`,
    );
    return 0;
  }
  if (verb === 'resume') {
    const { jobId } = await engine.call('runs/resume', { id });
    const job = await waitWithCtrlC(engine, jobId);
    const r = job.result as TrainResult | null;
    if (!r) throw new Error(job.error ?? `resuming ${job.state}`);
    process.stdout.write(
      json
        ? `${JSON.stringify(r, null, 2)}\n`
        : `run ${id}: ${r.status}, ${r.epochs} epochs in all, validation ${r.valLoss ?? '-'}\n`,
    );
    return r.status === 'done' ? 0 : 1;
  }
  if (verb === 'delete') {
    const r = await engine.call('runs/delete', { id });
    process.stdout.write(json ? `${JSON.stringify(r)}\n` : `deleted run ${r.deleted}\n`);
    return 0;
  }
  if (verb === 'export') {
    const out = flags.str('out');
    if (!out) throw new UsageError('runs export needs --out <dir>');
    const r = await engine.call('runs/get', { id });
    if (!r.weightsDir) throw new Error(`run ${id} has no saved weights (${r.status})`);
    const { cpSync } = await import('node:fs');
    cpSync(r.weightsDir, out, { recursive: true });
    process.stdout.write(
      json
        ? `${JSON.stringify({ out })}\n`
        : `run ${id} exported to ${out} (tfjs layers format: model.json, weights.bin, scaler.json, config.json)\n`,
    );
    return 0;
  }
  throw new UsageError(`unknown runs command "${verb}"`);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const near = didYouMean(name, Object.keys(COMMANDS));
    process.stderr.write(
      `drive-triage: unknown command "${name}"${near ? ` (did you mean ${near}?)` : ''}\n${USAGE}\n`,
    );
    return 2;
  }
  let invocation: Invocation;
  try {
    const { positionals, flags } = parseCommandLine(rest, {
      ...command.flags,
      help: { type: 'boolean', help: 'this help' },
    });
    if (flags.has('help')) {
      process.stdout.write(`${commandHelp(name, command)}\n`);
      return 0;
    }
    if (positionals.length > command.positionals.max)
      throw new UsageError(
        command.positionals.max === 0
          ? `takes no arguments (got "${positionals[0]}")`
          : `too many arguments (expected ${command.positionals.what})`,
      );
    const dbPath = flags.str('db') ?? process.env.DRIVE_TRIAGE_DB;
    if (!dbPath) throw new UsageError('--db <file> is required (the workspace database)');
    invocation = { positionals, flags, json: flags.has('json'), dbPath };
  } catch (err) {
    process.stderr.write(
      `drive-triage ${name}: ${(err as Error).message}\n\n${commandHelp(name, command)}\n`,
    );
    return 2;
  }
  const json = invocation.json;
  let engine: Engine | null = null;
  try {
    engine = new Engine({ dbPath: resolve(invocation.dbPath), mode: name === 'serve' ? 'web' : 'cli' });
    return await command.run(engine, invocation);
  } catch (err) {
    const message = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    if (json) process.stdout.write(`${JSON.stringify({ error: { message } })}\n`);
    process.stderr.write(`drive-triage: ${message}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    await engine?.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => exitWhenFlushed(code),
    (err: Error) => {
      process.stderr.write(`drive-triage: ${err.message}\n`);
      exitWhenFlushed(1);
    },
  );
}
