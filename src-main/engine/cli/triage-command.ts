import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImportResult, QueueShow, ServiceInfo, UpdateResult } from '../api-types';
import type { Engine } from '../engine';
import type { Flags, FlagTable } from './args';
import { printable, UsageError, waitWithCtrlC } from './common';

export const UPDATE_USAGE = `  drive-triage update <new files...> --db <file> [--json]
                                                        import new days, score them with the run in service and
                                                        print the new alerts (for a daily cron job)`;
export const SERVICE_USAGE = `  drive-triage service --db <file> [--json]            the run in service and its history
  drive-triage service put <run id> --db <file> [--threshold X] [--why text]
  drive-triage service retire --db <file> [--why text]`;
export const QUEUE_USAGE = `  drive-triage queue --db <file> [--show pending|reviewed|muted|over-budget|all] [--csv file] [--json]
                                                        the drives waiting for a verdict, newest first`;

export const SERVICE_FLAGS: FlagTable = {
  threshold: { type: 'number', value: 'X', help: "alert at X (default: the run's chosen threshold)" },
  why: { type: 'string', value: 'text', help: 'why the change, kept with it' },
};
export const QUEUE_FLAGS: FlagTable = {
  show: { type: 'string', value: 'list', help: 'pending (default), reviewed, muted, over-budget or all' },
  csv: { type: 'string', value: 'file', help: 'write the list as CSV for the swap crew' },
};

const SHOWS: QueueShow[] = ['pending', 'reviewed', 'muted', 'over-budget', 'all'];

/** Import (if files are given), then score the new days and list the alerts they raised. Exit 1 when nothing is in service or a file was refused. */
export async function runUpdateCommand(engine: Engine, paths: string[], json: boolean): Promise<number> {
  let refused = false;
  let imported: ImportResult | null = null;
  let updateJob: string | undefined;
  if (paths.length) {
    const job = await waitWithCtrlC(engine, (await engine.call('import/start', { paths })).jobId);
    if (job.state === 'failed') throw new Error(job.error ?? 'the import failed');
    imported = job.result as ImportResult;
    refused = imported.files.some((f) => f.status === 'refused');
    updateJob = job.followUpJobId;
  }
  if (!updateJob) {
    const service = (await engine.call('triage/service', {})).current;
    if (!service) {
      process.stderr.write(
        'drive-triage: no run is in service; put one in service with `drive-triage service put <run id>`\n',
      );
      return 1;
    }
    updateJob = (await engine.call('triage/update', {})).jobId;
  }
  const job = await waitWithCtrlC(engine, updateJob);
  if (job.state === 'failed') throw new Error(job.error ?? 'scoring the new days failed');
  const u = job.result as UpdateResult;
  if (json) process.stdout.write(`${JSON.stringify({ imported, update: u }, null, 2)}\n`);
  else {
    if (imported)
      process.stdout.write(
        `imported ${imported.rowsAccepted} rows (${imported.rowsRejected} rejected, ${imported.rowsDuplicate} duplicate)\n`,
      );
    process.stdout.write(`${u.message} in ${u.seconds.toFixed(1)} s\n`);
    for (const a of u.alerts)
      process.stdout.write(
        `  ${printable(a.serial).padEnd(20)} ${printable(a.model).padEnd(24)} ${a.day}  ${a.score.toPrecision(4)} (threshold ${a.threshold.toPrecision(4)})  ${a.top.join(', ')}\n`,
      );
  }
  return refused || u.status !== 'done' ? 1 : 0;
}

export async function runServiceCommand(
  engine: Engine,
  positionals: string[],
  flags: Flags,
  json: boolean,
): Promise<number> {
  const [verb, id] = positionals;
  if (verb === 'put') {
    const runId = Number(id);
    if (!Number.isInteger(runId)) throw new UsageError('service put needs a run id');
    const threshold = flags.num('threshold');
    const r = await engine.call('triage/put-in-service', {
      runId,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(flags.str('why') ? { why: flags.str('why') } : {}),
    });
    const job = await waitWithCtrlC(engine, r.jobId);
    if (job.state === 'failed') throw new Error(job.error ?? 'raising the alerts failed');
    const u = job.result as UpdateResult;
    if (json) process.stdout.write(`${JSON.stringify({ service: r.service, update: u }, null, 2)}\n`);
    else process.stdout.write(`${describe(r.service)}\n${u.message}\n`);
    return 0;
  }
  if (verb === 'retire') {
    const r = await engine.call('triage/retire', { why: flags.str('why') });
    if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else process.stdout.write(r.ended === null ? 'no run was in service\n' : `service ${r.ended} ended\n`);
    return 0;
  }
  if (verb !== undefined) throw new UsageError(`service ${verb}: use put <run id> or retire`);
  const s = await engine.call('triage/service', {});
  if (json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  else {
    process.stdout.write(s.current ? `${describe(s.current)}\n` : 'no run is in service\n');
    for (const h of s.history.filter((h) => h.endedAt))
      process.stdout.write(`  earlier: ${describe(h)} until ${h.endedAt}\n`);
  }
  return 0;
}

function describe(s: ServiceInfo): string {
  const name = s.runName ? ` (${printable(s.runName)})` : '';
  const scored = s.scoredThrough ? `, scored through ${s.scoredThrough}` : ', not scored yet';
  const pending = s.pendingReadings ? `, ${s.pendingReadings} readings waiting` : '';
  return `run ${s.runId}${name}, ${s.kind}, threshold ${s.threshold} (${printable(s.reason)}) since ${s.startedAt}${scored}${pending}`;
}

export async function runQueueCommand(engine: Engine, flags: Flags, json: boolean): Promise<number> {
  const show = (flags.str('show') ?? 'pending') as QueueShow;
  if (!SHOWS.includes(show)) throw new UsageError(`--show ${show}: use ${SHOWS.join(', ')}`);
  const out = flags.str('csv');
  if (out) {
    const r = await engine.call('triage/export', { show });
    writeFileSync(resolve(out), r.csv);
    process.stdout.write(`${r.rows} drives written to ${resolve(out)}\n`);
    return 0;
  }
  const q = await engine.call('triage/queue', { show, limit: 5000 });
  if (json) {
    process.stdout.write(`${JSON.stringify(q, null, 2)}\n`);
    return 0;
  }
  if (!q.service) {
    process.stdout.write('no run is in service\n');
    return 0;
  }
  process.stdout.write(
    `${q.counts.pending} pending, ${q.counts.reviewed} reviewed, ${q.counts.muted} muted, ${q.counts['over-budget']} over budget (data through ${q.today})\n`,
  );
  for (const r of q.rows)
    process.stdout.write(
      `  ${printable(r.serial).padEnd(20)} ${printable(r.model).padEnd(24)} ${r.day}  ${r.score.toPrecision(4)}  first ${r.daysSinceFirst} d ago  ${r.top.map((t) => t.feature).join(', ')}${r.failureDay ? `  failed ${r.failureDay}` : ''}${r.review ? `  ${r.review.verdict}` : ''}\n`,
    );
  return 0;
}
