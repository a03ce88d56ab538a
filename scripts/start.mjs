// `npm start`: build, then open the desktop app; where the Electron binary is
// not installed, say so and serve the same UI in web mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

const build = spawnSync(
  process.execPath,
  [join('node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

let electronPath = null;
try {
  const p = require('electron');
  if (typeof p === 'string' && existsSync(p)) electronPath = p;
} catch {
  electronPath = null;
}

if (electronPath && process.env.DRIVE_TRIAGE_WEB !== '1') {
  const child = spawn(electronPath, ['.', ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('The Electron binary is not installed here, so Drive Triage starts in web mode instead.');
  const db = process.env.DRIVE_TRIAGE_DB ?? join(homedir(), '.drive-triage', 'workspace.sqlite');
  const child = spawn(process.execPath, ['out/main/cli.js', 'serve', '--db', db, ...args], {
    stdio: 'inherit',
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
