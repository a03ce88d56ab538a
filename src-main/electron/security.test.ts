import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { APP_INDEX, externalAllowed, fromAppPage, rendererFileFor, windowPreferences } from './security';

const ROOT = resolve(__dirname, '../..');

/** The `electronFuses` block of electron-builder.yml, as key -> boolean. */
function fuses(): Record<string, boolean> {
  const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
  const block = /^electronFuses:\n((?:[ ]+\w+: (?:true|false)\n?)+)/m.exec(yml);
  assert.ok(block, 'electron-builder.yml sets electronFuses');
  return Object.fromEntries(
    [...block[1].matchAll(/(\w+): (true|false)/g)].map((m) => [m[1], m[2] === 'true']),
  );
}

test('the packaged binary is fused shut: no run-as-node, NODE_OPTIONS or --inspect; only its checked asar', () => {
  assert.deepEqual(fuses(), {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  });
});

test('the window is isolated and sandboxed, with no DevTools when packaged', () => {
  const packaged = windowPreferences('/p.cjs', true);
  assert.equal(packaged.devTools, false);
  assert.equal(windowPreferences('/p.cjs', false).devTools, true);
  for (const key of ['contextIsolation', 'sandbox', 'webSecurity']) assert.equal(packaged[key], true, key);
  for (const key of ['nodeIntegration', 'nodeIntegrationInWorker', 'allowRunningInsecureContent'])
    assert.equal(packaged[key], false, key);
});

test('app:// serves the renderer folder only', () => {
  const dir = '/opt/app/out/renderer';
  assert.equal(APP_INDEX, 'app://drive-triage/index.html');
  assert.equal(rendererFileFor(APP_INDEX, dir), join(dir, 'index.html'));
  assert.equal(rendererFileFor('app://drive-triage/assets/x.js', dir), join(dir, 'assets/x.js'));
  // Dot segments the URL parser resolves stay inside the folder; encoded ones that would climb out are refused.
  for (const inside of [
    'app://drive-triage/../../../etc/passwd',
    'app://drive-triage/%2e%2e/%2e%2e/etc/passwd',
  ])
    assert.equal(rendererFileFor(inside, dir), join(dir, 'etc/passwd'), inside);
  for (const bad of [
    'app://drive-triage/assets/..%2f..%2f..%2f..%2fetc%2fpasswd',
    'app://other-host/index.html',
    'file:///etc/passwd',
    'app://drive-triage/%E0%A4%A',
  ])
    assert.equal(rendererFileFor(bad, dir), null, bad);
});

test('IPC is answered for the app page only; outside links open from a fixed list, never from the data', () => {
  assert.equal(fromAppPage('app://drive-triage/index.html'), true);
  assert.equal(fromAppPage('file:///tmp/report.html'), false);
  assert.equal(fromAppPage('https://evil.example/'), false);
  assert.equal(fromAppPage(undefined), false);
  assert.equal(
    externalAllowed('https://www.backblaze.com/cloud-storage/resources/hard-drive-test-data'),
    true,
  );
  assert.equal(externalAllowed('https://evil.example/'), false);
  assert.equal(
    externalAllowed('https://www.backblaze.com/cloud-storage/resources/hard-drive-test-data?x=1'),
    false,
  );
});

test('the main process wires these in: app:// loaded, every navigation and redirect refused', () => {
  const main = readFileSync(join(__dirname, 'main.ts'), 'utf8');
  assert.match(main, /loadURL\(APP_INDEX\)/);
  assert.doesNotMatch(main, /loadFile\(rendererIndex\)/);
  for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect'])
    assert.match(main, new RegExp(`'${event}', \\(e\\) => e\\.preventDefault\\(\\)`), event);
  assert.match(main, /externalAllowed\(url\)/);
  assert.match(main, /webPreferences: windowPreferences\(/);
  assert.match(main, /if \(app\.isPackaged\) Menu\.setApplicationMenu\(null\)/);
});
