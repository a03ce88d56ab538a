// Builds the native CPU engine (src-main/native, a Node-API addon) with node-gyp.
// Run by `npm install` with --optional: a machine without a C++ compiler still
// installs, and training falls back to TensorFlow.js, saying so. Set
// DRIVE_TRIAGE_REQUIRE_NATIVE=1 (CI does) to make a failed build an error.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const optional = process.argv.includes('--optional') && process.env.DRIVE_TRIAGE_REQUIRE_NATIVE !== '1';
const require = createRequire(import.meta.url);

let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  gyp = null;
}
if (!gyp) {
  // A production install without devDependencies: nothing to build with.
  console.warn(
    'build-native: node-gyp is not installed; the native engine is not built (TensorFlow.js will train)',
  );
  process.exit(optional ? 0 : 1);
}

// Node-API needs only Node's headers; use the installed ones rather than download them.
const args = [gyp, 'rebuild', '--release'];
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')))
  args.push(`--nodedir=${prefix}`);

const r = spawnSync(process.execPath, args, { cwd: join(root, 'src-main', 'native'), stdio: 'inherit' });
if (r.status !== 0) {
  const why = 'build-native: the native engine did not build; training will use TensorFlow.js (much slower)';
  console.warn(why);
  process.exit(optional ? 0 : 1);
}
console.log('build-native: built src-main/native/build/Release/dt_native.node');
