import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { didYouMean, editDistance, parseCommandLine, type FlagTable } from './args';
import { UsageError } from './common';
import { main } from './cli';

const TABLE: FlagTable = {
  db: { type: 'string', help: '' },
  model: { type: 'string', help: '' },
  epochs: { type: 'integer', help: '' },
  far: { type: 'number', help: '' },
  json: { type: 'boolean', help: '' },
  'allow-path': { type: 'list', help: '' },
};

const usageError = (argv: string[]): string => {
  try {
    parseCommandLine(argv, TABLE);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
  assert.fail(`${argv.join(' ')} parsed`);
};

/** Runs the CLI in this process, capturing what it prints. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

describe('strict command lines', () => {
  test('flags by type: text, numbers, switches, repeated lists, --key=value', () => {
    const { positionals, flags } = parseCommandLine(
      [
        'a.csv',
        '--db',
        'w.sqlite',
        '--epochs=3',
        '--far',
        '0.01',
        '--json',
        '--allow-path',
        'A',
        '--allow-path',
        'B',
        'b.csv',
      ],
      TABLE,
    );
    assert.deepEqual(positionals, ['a.csv', 'b.csv']);
    assert.equal(flags.str('db'), 'w.sqlite');
    assert.equal(flags.num('epochs'), 3);
    assert.equal(flags.num('far'), 0.01);
    assert.equal(flags.has('json'), true);
    assert.equal(flags.has('model'), false);
    assert.deepEqual(flags.all('allow-path'), ['A', 'B']);
  });

  test('an unknown option, a missing value, a value to a switch, a bad number: each named', () => {
    assert.equal(usageError(['--modle', 'X']), 'unknown option --modle (did you mean --model?)');
    assert.equal(usageError(['--epoch', '2']), 'unknown option --epoch (did you mean --epochs?)');
    assert.equal(usageError(['--frobnicate']), 'unknown option --frobnicate');
    assert.equal(usageError(['--db']), '--db needs a value');
    assert.equal(usageError(['--json=yes']), '--json takes no value');
    assert.equal(usageError(['--epochs', '2.5']), '--epochs 2.5: not a whole number');
    assert.equal(usageError(['--far', 'often']), '--far often: not a number');
  });

  test('did you mean: close words only', () => {
    assert.equal(editDistance('modle', 'model'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(didYouMean('trian', ['train', 'drives']), 'train');
    assert.equal(didYouMean('xyz', ['train', 'drives']), null);
  });

  test('the CLI: typos exit 2 naming the option, --help for every command lists its options', async () => {
    const typo = await run('drives', '--modle', 'FOO', '--db', 'unused.sqlite');
    assert.equal(typo.code, 2);
    assert.match(typo.err, /^drive-triage drives: unknown option --modle \(did you mean --model\?\)/);
    const epoch = await run('train', '--epoch', '2', '--db', 'unused.sqlite');
    assert.equal(epoch.code, 2);
    assert.match(epoch.err, /unknown option --epoch \(did you mean --epochs\?\)/);
    const extra = await run('summary', 'extra', '--db', 'unused.sqlite');
    assert.equal(extra.code, 2);
    assert.match(extra.err, /takes no arguments/);
    const command = await run('trian', '--db', 'unused.sqlite');
    assert.equal(command.code, 2);
    assert.match(command.err, /unknown command "trian" \(did you mean train\?\)/);
    const expected: Record<string, string[]> = {
      import: ['--db', '--json'],
      summary: ['--db', '--json'],
      drives: ['--failed', '--healthy', '--model', '--search', '--limit'],
      serve: ['--port', '--sample', '--allow-path', '--max-upload-mb'],
      train: ['--model', '--config', '--epochs', '--seed', '--backend'],
      score: ['--run'],
      evaluate: ['--run', '--threshold', '--far', '--budget', '--level', '--bootstrap'],
      runs: ['--out'],
      search: [
        '--space',
        '--objective',
        '--trials',
        '--parallel',
        '--minutes',
        '--initial',
        '--no-median-stopping',
      ],
      report: ['--run', '--out', '--format', '--threshold', '--far', '--budget', '--bootstrap'],
    };
    for (const [name, flags] of Object.entries(expected)) {
      const help = await run(name, '--help');
      assert.equal(help.code, 0, `${name} --help`);
      assert.match(help.out, new RegExp(`drive-triage ${name}`));
      for (const f of [...flags, '--help'])
        assert.ok(help.out.includes(`  ${f}`), `${name} --help lists ${f}`);
    }
    assert.ok(!existsSync('unused.sqlite'), 'no workspace was opened for a usage error');
  });
});
