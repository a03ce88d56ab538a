import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const ROOT = resolve(__dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'dt-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cliWith(env: NodeJS.ProcessEnv, args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src-main/engine/cli/cli.ts'), ...args],
    {
      encoding: 'utf8',
      cwd: ROOT,
      maxBuffer: 64 << 20,
      env: { ...process.env, ...env },
    },
  );
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const cli = (...args: string[]): ReturnType<typeof cliWith> => cliWith({}, args);

/** One epoch of a small LSTM autoencoder, as JSON. */
const trainArgs = (db: string, config: string, ...more: string[]): string[] => [
  'train',
  '--db',
  db,
  '--model',
  'lstm-ae',
  '--config',
  config,
  '--epochs',
  '1',
  ...more,
  '--json',
];

test('import, summary and drives speak JSON and exit 0', () => {
  const db = join(dir, 'w.sqlite');
  const imp = cli(
    'import',
    join(ROOT, 'resources/sample/2013-04-16.csv.gz'),
    join(ROOT, 'resources/sample/2013-04-17.csv.gz'),
    '--db',
    db,
    '--json',
  );
  assert.equal(imp.code, 0, imp.err);
  const files = JSON.parse(imp.out).files as { name: string; rowsAccepted: number; rowsRejected: number }[];
  assert.deepEqual(
    files.map((f) => [f.rowsAccepted, f.rowsRejected]),
    [
      [4772, 0],
      [4772, 0],
    ],
  );
  const sum = cli('summary', '--db', db, '--json');
  assert.equal(sum.code, 0, sum.err);
  const s = JSON.parse(sum.out);
  assert.deepEqual(
    { rows: s.rows, days: s.days, firstDay: s.firstDay, lastDay: s.lastDay },
    { rows: 9544, days: 2, firstDay: '2013-04-16', lastDay: '2013-04-17' },
  );
  assert.equal(typeof s.drives, 'number');
  assert.equal(typeof s.failures, 'number');
  const drives = cli('drives', '--db', db, '--failed', '--json');
  assert.equal(drives.code, 0, drives.err);
  const page = JSON.parse(drives.out);
  assert.equal(page.total, s.failures);
  assert.ok(page.total > 0);
});

test('errors exit non-zero with a clear message', () => {
  const noDb = cli('summary');
  assert.equal(noDb.code, 2);
  assert.match(noDb.err, /--db <file> is required/);
  const missing = cli('import', join(dir, 'nope.csv'), '--db', join(dir, 'x.sqlite'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.csv: no such file/);
  const unknown = cli('frobnicate', '--db', join(dir, 'x.sqlite'));
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command/);
});

test('train --json prints the run, runs lists it, export writes the tfjs folder', () => {
  const db = join(dir, 't.sqlite');
  assert.equal(cli('import', join(ROOT, 'resources/sample'), '--db', db).code, 0);
  const config = join(dir, 'tiny.json');
  writeFileSync(config, JSON.stringify({ units: 8, maxWindowsPerEpoch: 256, maxValWindows: 128 }));
  const t = cli(...trainArgs(db, config, '--seed', '2'));
  assert.equal(t.code, 0, t.err);
  const r = JSON.parse(t.out) as Record<string, unknown>;
  for (const k of ['runId', 'status', 'backend', 'epochs', 'finalLoss', 'valLoss']) assert.ok(k in r, k);
  assert.equal(r.status, 'done');
  assert.equal(r.epochs, 1);
  const runs = JSON.parse(cli('runs', '--db', db, '--json').out) as { id: number }[];
  assert.deepEqual(
    runs.map((x) => x.id),
    [r.runId],
  );
  const out = join(dir, 'export');
  assert.equal(cli('runs', 'export', String(r.runId), '--db', db, '--out', out).code, 0);
  assert.ok(existsSync(join(out, 'model.json')) && existsSync(join(out, 'weights.bin')));
  const bad = cli('train', '--db', db, '--model', 'lstm-ae', '--epochs', 'many');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /epochs/);
});

test('where the native engine cannot load, training falls back to TensorFlow.js and says why', () => {
  const db = join(dir, 'fallback.sqlite');
  assert.equal(cli('import', join(ROOT, 'resources/sample'), '--db', db, '--json').code, 0);
  const config = join(dir, 'fallback.json');
  writeFileSync(config, JSON.stringify({ units: 4, maxWindowsPerEpoch: 64, maxValWindows: 64 }));
  const t = cliWith({ DRIVE_TRIAGE_NATIVE: 'off' }, trainArgs(db, config, '--backend', 'native'));
  assert.equal(t.code, 0, t.err);
  const r = JSON.parse(t.out) as { status: string; backend: string; notices: string[] };
  assert.equal(r.status, 'done');
  assert.equal(r.backend, 'wasm');
  assert.ok(
    r.notices.some((n) => /native CPU engine is not available \(turned off\)/.test(n)),
    r.notices.join('; '),
  );
});

test('search and report: bad flags are usage errors that say what to do', () => {
  const db = join(dir, 'flags.sqlite');
  const space = join(dir, 'space.json');
  writeFileSync(
    space,
    JSON.stringify({
      model: 'lstm-ae',
      dimensions: { learningRate: { type: 'log-float', min: 1e-4, max: 1e-2 } },
    }),
  );
  const objective = cli('search', '--db', db, '--space', space, '--objective', 'accuracy', '--trials', '2');
  assert.equal(objective.code, 2);
  assert.match(objective.err, /--objective accuracy: use val-loss, detection@far=F .* or average-precision/);
  const noSpace = cli('search', '--db', db, '--space', join(dir, 'missing.json'), '--objective', 'val-loss');
  assert.equal(noSpace.code, 2);
  assert.match(noSpace.err, /missing\.json: not a readable JSON file/);
  const format = cli('report', '--db', db, '--run', '1', '--out', join(dir, 'r'), '--format', 'docx');
  assert.equal(format.code, 2);
  assert.match(format.err, /--format docx: use html, pdf and\/or csv/);
  const unknownRun = cli('report', '--db', db, '--run', '99', '--out', join(dir, 'r'), '--json');
  assert.equal(unknownRun.code, 1);
  assert.match(unknownRun.err, /no training run with id 99/);
  assert.equal(existsSync(join(dir, 'r')), false);
  const list = cli('search', 'list', '--db', db, '--json');
  assert.equal(list.code, 0);
  assert.deepEqual(JSON.parse(list.out), []);
});

test('serials and models with escape sequences are printed escaped, never sent raw to the terminal', () => {
  const db = join(dir, 'escapes.sqlite');
  const header = 'date,serial_number,model,capacity_bytes,failure,smart_5_raw';
  const file = join(dir, 'escapes.csv');
  writeFileSync(file, `${header}\n2013-04-10,EVIL\u001b]0;pwned\u0007X,ST\u001b[2JM,1000,0,0\n`);
  assert.equal(cli('import', file, '--db', db).code, 0);
  const shown = cli('drives', '--db', db);
  assert.equal(shown.code, 0, shown.err);
  // eslint-disable-next-line no-control-regex -- the test is that none get through
  assert.doesNotMatch(shown.out, /[\u0000-\u0008\u000b-\u001f\u007f]/);
  assert.match(shown.out, /EVIL\\x1b\]0;pwned\\x07X/);
  assert.match(shown.out, /ST\\x1b\[2JM/);
  const json = JSON.parse(cli('drives', '--db', db, '--json').out) as { rows: { serial: string }[] };
  assert.equal(
    json.rows[0].serial,
    'EVIL\u001b]0;pwned\u0007X',
    'JSON keeps the value (escaped by JSON itself)',
  );
});

test('update: a cron job imports a new day, scores it with the run in service and prints the new alerts as JSON', () => {
  const db = join(dir, 'update.sqlite');
  const day = (d: number): string =>
    join(ROOT, `resources/sample/2013-04-${String(d).padStart(2, '0')}.csv.gz`);
  assert.equal(
    cli('import', day(10), day(11), day(12), day(13), day(14), day(15), day(16), day(17), day(18), '--db', db)
      .code,
    0,
  );
  const noService = cli('update', day(19), '--db', db, '--json');
  assert.equal(noService.code, 1);
  assert.match(noService.err, /no run is in service/);
  const trained = cli(
    'train',
    '--db',
    db,
    '--model',
    'gbdt',
    '--config',
    writeConfig({ rounds: 10, folds: 0 }),
    '--json',
  );
  assert.equal(trained.code, 0, trained.err);
  const runId = JSON.parse(trained.out).runId as number;
  assert.equal(cli('score', '--db', db, '--run', String(runId)).code, 0);
  const put = cli(
    'service',
    'put',
    String(runId),
    '--db',
    db,
    '--threshold',
    '0.05',
    '--why',
    'cron test',
    '--json',
  );
  assert.equal(put.code, 0, put.err);
  assert.equal(JSON.parse(put.out).service.why, 'cron test');
  const r = cli('update', day(20), '--db', db, '--json');
  assert.equal(r.code, 0, r.err);
  const { imported, update } = JSON.parse(r.out) as {
    imported: { rowsAccepted: number };
    update: {
      mode: string;
      newDays: { from: string; to: string };
      alerts: { serial: string; day: string }[];
    };
  };
  assert.ok(imported.rowsAccepted > 4000);
  assert.equal(update.mode, 'incremental');
  assert.deepEqual(update.newDays, { from: '2013-04-20', to: '2013-04-20' });
  const queue = JSON.parse(cli('queue', '--db', db, '--show', 'all', '--json').out) as {
    rows: { serial: string; day: string }[];
  };
  for (const a of update.alerts)
    assert.ok(
      queue.rows.some((q) => q.serial === a.serial && q.day === a.day),
      `${a.serial} ${a.day} is queued`,
    );
  const csvFile = join(dir, 'queue.csv');
  assert.equal(cli('queue', '--db', db, '--csv', csvFile).code, 0);
  assert.ok(existsSync(csvFile));
  assert.equal(cli('queue', '--db', db, '--show', 'later').code, 2);
});

function writeConfig(config: object): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}
