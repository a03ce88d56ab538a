import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { loadNative } from '../model/native/addon';

// A cancelled import terminates the parse worker, maybe in the middle of a native parse: the Node-API calls the
// addon makes after that fail, and the error they raise must be dropped (the worker is going), never abort the
// whole process (which is the app).
test('terminating a worker in the middle of native parsing leaves the process running', (t) => {
  if (!loadNative().module) return t.skip(`native engine: ${loadNative().error}`);
  const addon = resolve(__dirname, '../model/native/addon.ts');
  const script = `
    const { Worker } = require('node:worker_threads');
    const worker = new Worker(${JSON.stringify(`
      require('tsx/cjs');
      const { loadNative } = require(${JSON.stringify(addon)});
      const native = loadNative().module;
      const roles = Int32Array.from([-2, -3, -4, -5, -6, 0, 1]);
      const line = Buffer.from('2023-10-01,SERIAL,MODEL,4000787030016,0,12,34\\n');
      const lines = 20000;
      const buf = Buffer.alloc(line.length * lines);
      const starts = new Int32Array(lines), ends = new Int32Array(lines);
      for (let i = 0; i < lines; i++) { line.copy(buf, i * line.length); starts[i] = i * line.length; ends[i] = (i + 1) * line.length - 1; }
      require('node:worker_threads').parentPort.postMessage('ready');
      for (;;) {
        const rows = new native.CsvRows(roles, Int32Array.from([0, 1]), 2, 10957, 30000, Uint8Array.from([1, 1]), '"a"\\n"b"');
        for (let k = 0; k < 20; k++) rows.parse(buf, starts, ends, 0, lines, 2, 0);
        rows.take();
      }
    `)}, { eval: true });
    worker.once('message', () => setTimeout(() => worker.terminate().then(() => console.log('survived')), 150));
  `;
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      cwd: resolve(__dirname, '../../..'),
      timeout: 60_000,
    });
    assert.equal(r.signal, null, `attempt ${attempt}: killed by ${r.signal}: ${r.stderr.slice(0, 400)}`);
    assert.equal(r.status, 0, r.stderr.slice(0, 400));
    assert.match(r.stdout, /survived/);
  }
});
