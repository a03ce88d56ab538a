#!/usr/bin/env node
// The CLI entry: the compiled engine when built, else the TypeScript source through tsx (a development checkout).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const built = join(__dirname, '..', 'out', 'main', 'cli.js');
if (existsSync(built)) {
  const cli = require(built);
  cli.main(process.argv.slice(2)).then((code) => cli.exitWhenFlushed(code));
} else {
  const src = join(__dirname, '..', 'src-main', 'engine', 'cli', 'cli.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', src, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
