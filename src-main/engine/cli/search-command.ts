import { readFileSync } from 'node:fs';
import type { SearchInfo, SearchObjective, SearchResult, SearchSettings, SearchSpace } from '../api-types';
import { searchSettings } from '../api-schemas';
import type { Engine } from '../engine';
import { didYouMean, type Flags, type FlagTable } from './args';
import { UsageError, waitWithCtrlC } from './common';
import { duration } from './progress-bar';

export const SEARCH_USAGE = `  drive-triage search --db <file> --space space.json --objective val-loss|detection@far=F|average-precision
                     --trials N [--parallel 2] [--minutes M] [--initial K] [--seed S] [--no-median-stopping] [--json]
                                                        Bayesian hyperparameter search (space file: README)
  drive-triage search list|show|resume|cancel [<id>] --db <file> [--trials N] [--minutes M] [--json]`;

export const SEARCH_FLAGS: FlagTable = {
  space: { type: 'string', value: 'space.json', help: 'the settings to tune and their ranges (README)' },
  objective: {
    type: 'string',
    value: 'objective',
    help: 'val-loss, detection@far=F or average-precision',
  },
  trials: { type: 'integer', value: 'N', help: 'trials in all (default 20; resume: more trials)' },
  parallel: { type: 'integer', value: 'N', help: 'trials at a time (default 2)' },
  minutes: { type: 'number', value: 'M', help: 'stop starting trials after M minutes' },
  initial: { type: 'integer', value: 'K', help: 'space-filling trials before the Gaussian process' },
  seed: { type: 'integer', value: 'S', help: 'the search seed' },
  name: { type: 'string', value: 'text', help: 'a name for the search' },
  'no-median-stopping': { type: 'boolean', help: 'never stop a trial early' },
};

const VERBS = ['list', 'show', 'resume', 'cancel'];

/** `val-loss`, `detection@far=0.01` (or `detection@0.01`), `average-precision` (or `ap`). */
export function parseObjective(text: string): SearchObjective {
  if (text === 'val-loss') return { kind: 'val-loss' };
  if (text === 'average-precision' || text === 'ap') return { kind: 'average-precision' };
  const m = /^detection@(?:far=)?([0-9.eE-]+)$/.exec(text);
  if (m && Number(m[1]) > 0 && Number(m[1]) < 1) return { kind: 'detection-at-far', far: Number(m[1]) };
  throw new UsageError(
    `--objective ${text}: use val-loss, detection@far=F (a false-alarm rate between 0 and 1) or average-precision`,
  );
}

const fmt = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : v.toPrecision(4);

function line(s: SearchInfo): string {
  return `${String(s.id).padStart(4)} ${s.status.padEnd(11)} ${`${s.finished}/${s.trials}`.padEnd(8)} best ${fmt(s.best?.objective)} (trial ${s.best?.trial ?? '-'}, run ${s.best?.runId ?? '-'})  ${s.name}`;
}

async function waitForSearch(engine: Engine, jobId: string, json: boolean): Promise<number> {
  const tty = process.stderr.isTTY && !json;
  const off = engine.on('job/progress', (e) => {
    const p = e.progress;
    if (tty && 'searchId' in p)
      process.stderr.write(
        `\rsearch ${p.searchId}: ${p.finished}/${p.total} trials, best ${fmt(p.best)}, running ${p.running.map((r) => `#${r.trial} epoch ${r.epoch}/${r.epochs}`).join(', ') || '-'} ETA ${duration(p.etaSec)}\x1b[K`,
      );
  });
  const job = await waitWithCtrlC(engine, jobId);
  off();
  if (tty) process.stderr.write('\n');
  const r = job.result as SearchResult | null;
  if (!r) throw new Error(job.error ?? `the search ${job.state}`);
  const info = await engine.call('search/get', { id: r.searchId });
  if (json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  else {
    process.stdout.write(`${line(info)}\n`);
    for (const t of info.trialList)
      process.stdout.write(
        `  trial ${String(t.trial).padStart(3)} ${t.status.padEnd(9)} ${fmt(t.objective).padStart(10)} run ${t.runId ?? '-'} ${t.source.padEnd(7)} ${JSON.stringify(t.params)}${t.error ? `  (${t.error})` : ''}\n`,
      );
    for (const n of info.notices) process.stdout.write(`  note: ${n}\n`);
  }
  return r.status === 'done' ? 0 : 1;
}

export async function runSearchCommand(
  engine: Engine,
  args: string[],
  flags: Flags,
  json: boolean,
): Promise<number> {
  const [verb, idText] = args;
  if (verb && !VERBS.includes(verb)) {
    const near = didYouMean(verb, VERBS);
    throw new UsageError(`unknown search command "${verb}"${near ? ` (did you mean ${near}?)` : ''}`);
  }
  if (verb === 'list') {
    const all = await engine.call('search/list', {});
    process.stdout.write(
      json ? `${JSON.stringify(all, null, 2)}\n` : all.map((s) => `${line(s)}\n`).join(''),
    );
    return 0;
  }
  if (verb) {
    const id = Number(idText);
    if (!Number.isInteger(id)) throw new UsageError(`search ${verb} needs a search id`);
    if (verb === 'show') {
      const d = await engine.call('search/get', { id });
      if (json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      else {
        process.stdout.write(`${line(d)}\n`);
        for (const t of d.trialList)
          process.stdout.write(
            `  trial ${t.trial} ${t.status} ${fmt(t.objective)} ${JSON.stringify(t.params)}\n`,
          );
        if (d.importance)
          process.stdout.write(
            `  importance: ${d.importance.map((i) => `${i.name} ${(i.share * 100).toFixed(0)}%`).join(', ')}\n`,
          );
      }
      return 0;
    }
    if (verb === 'resume') {
      const { jobId } = await engine.call('search/resume', {
        id,
        ...(flags.num('trials') !== undefined ? { trials: flags.num('trials') } : {}),
        ...(flags.num('minutes') !== undefined ? { maxMinutes: flags.num('minutes') } : {}),
      });
      return waitForSearch(engine, jobId, json);
    }
    if (verb === 'cancel') {
      const s = await engine.call('search/cancel', { id });
      process.stdout.write(
        json ? `${JSON.stringify(s)}\n` : `search ${id}: cancel asked; it stops after its running trials\n`,
      );
      return 0;
    }
  }
  const file = flags.str('space');
  if (!file) throw new UsageError('search needs --space <file.json>');
  let space: SearchSpace;
  try {
    space = JSON.parse(readFileSync(file, 'utf8')) as SearchSpace;
  } catch (err) {
    throw new UsageError(`${file}: not a readable JSON file (${(err as Error).message})`);
  }
  const objective = flags.str('objective');
  if (!objective) throw new UsageError('search needs --objective');
  const settings: SearchSettings = {
    space,
    objective: parseObjective(objective),
    trials: flags.num('trials') ?? 20,
    ...(flags.num('parallel') !== undefined ? { parallel: flags.num('parallel') } : {}),
    ...(flags.num('minutes') !== undefined ? { maxMinutes: flags.num('minutes') } : {}),
    ...(flags.num('initial') !== undefined ? { initialTrials: flags.num('initial') } : {}),
    ...(flags.num('seed') !== undefined ? { seed: flags.num('seed') } : {}),
    ...(flags.str('name') ? { name: flags.str('name') } : {}),
    ...(flags.has('no-median-stopping') ? { medianStopping: false } : {}),
  };
  const parsed = searchSettings.safeParse(settings);
  if (!parsed.success)
    throw new UsageError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}`,
    );
  const { searchId, jobId } = await engine.call('search/start', parsed.data);
  if (!json && !process.stderr.isTTY) process.stderr.write(`search ${searchId} started\n`);
  return waitForSearch(engine, jobId, json);
}
