import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { Engine } from '../engine';
import { eventsProtocols, TOKEN_HEADER, tokenInFragment } from './protocol';
import { startWebServer, type WebServer } from './server';

const SAMPLE_DAY = resolve(__dirname, '../../../resources/sample/2013-04-10.csv.gz');

interface Reply {
  status: number;
  body: string;
}

function send(
  server: WebServer,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: opts.method ?? 'POST',
        headers: { host: `127.0.0.1:${server.port}`, ...opts.headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolveReply({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes a raw request line (one Node's http client would refuse to send) and reads the status line back. */
function raw(server: WebServer, requestLine: string): Promise<string> {
  return new Promise((resolveLine, reject) => {
    const socket = connect(server.port, '127.0.0.1', () =>
      socket.write(`${requestLine}\r\nhost: 127.0.0.1:${server.port}\r\nconnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolveLine(text.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

const api = (
  server: WebServer,
  key: string,
  arg: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> =>
  send(server, `/api/${key}`, {
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token, ...headers },
    body: JSON.stringify(arg),
  });

const opensSocket = (
  server: WebServer,
  protocols: string[],
  headers: Record<string, string> = {},
): Promise<boolean> =>
  new Promise((resolveOpen) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events`, protocols, { headers });
    ws.on('open', () => {
      ws.close();
      resolveOpen(true);
    });
    ws.on('error', () => resolveOpen(false));
  });

describe('web mode server', () => {
  let dir: string;
  let outside: string;
  let engine: Engine;
  let server: WebServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-web-'));
    outside = mkdtempSync(join(tmpdir(), 'dt-outside-'));
    const renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Drive Triage</title>');
    engine = new Engine({ dbPath: join(dir, 'workspace.sqlite'), mode: 'web' });
    server = await startWebServer(engine, {
      rendererDir: renderer,
      uploadDir: join(dir, 'uploads'),
      allowedRoots: [dir],
      maxUploadBytes: 64 * 1024,
    });
  });
  after(async () => {
    await server.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test('the printed address carries the token in its fragment, not its query', () => {
    const url = new URL(server.url);
    assert.equal(url.search, '');
    assert.equal(tokenInFragment(url.hash), server.token);
  });

  test('the page itself loads without the token; the Api needs it in the header', async () => {
    assert.equal((await send(server, '/', { method: 'GET' })).status, 200);
    assert.equal((await send(server, '/api/dataset/summary', { body: '{}' })).status, 403);
    assert.equal((await api(server, 'dataset/summary', {}, { [TOKEN_HEADER]: 'x'.repeat(32) })).status, 403);
    assert.equal((await api(server, 'dataset/summary', {})).status, 200);
  });

  test('a cookie or a query token no longer opens the Api', async () => {
    const viaCookie = await send(server, '/api/dataset/summary', {
      headers: { cookie: `dt_token=${server.token}` },
      body: '{}',
    });
    assert.equal(viaCookie.status, 403);
    assert.equal(
      (await send(server, `/api/dataset/summary?token=${server.token}`, { body: '{}' })).status,
      403,
    );
  });

  test('a forged Host is refused even with the token (DNS rebinding)', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      '127.0.0.1:1',
      `127.0.0.2:${server.port}`,
    ]) {
      const r = await api(server, 'dataset/summary', {}, { host });
      assert.equal(r.status, 403, host);
      assert.match(r.body, /answers only to 127\.0\.0\.1/);
      assert.equal((await send(server, '/', { method: 'GET', headers: { host } })).status, 403, host);
    }
    assert.equal(
      (await api(server, 'dataset/summary', {}, { host: `localhost:${server.port}` })).status,
      200,
    );
  });

  test('a request from another page is refused even with the token', async () => {
    const other = await api(server, 'dataset/summary', {}, { origin: 'http://127.0.0.1:1' });
    assert.equal(other.status, 403);
    assert.match(other.body, /other pages/);
    assert.equal((await api(server, 'dataset/summary', {}, { origin: 'null' })).status, 403);
    assert.equal((await api(server, 'dataset/summary', {}, { 'sec-fetch-site': 'same-site' })).status, 403);
    const own = await api(server, 'dataset/summary', {}, { origin: `http://127.0.0.1:${server.port}` });
    assert.equal(own.status, 200);
  });

  test('malformed targets get 400 and the server keeps answering', async () => {
    for (const line of [
      'GET //% HTTP/1.1',
      'GET /%E0%A4%A HTTP/1.1',
      'POST //%/api/x HTTP/1.1',
      'GET * HTTP/1.1',
    ])
      assert.match(await raw(server, line), /^HTTP\/1\.1 400/, line);
    assert.match(await raw(server, 'NOT A REQUEST'), /^HTTP\/1\.1 400/);
    assert.equal((await api(server, 'dataset/summary', {})).status, 200);
  });

  test('the events socket needs the token as a subprotocol, this Host and this Origin', async () => {
    const own = { origin: `http://127.0.0.1:${server.port}` };
    assert.equal(await opensSocket(server, eventsProtocols(server.token), own), true);
    assert.equal(await opensSocket(server, ['drive-triage'], own), false);
    assert.equal(await opensSocket(server, eventsProtocols('wrong'), own), false);
    assert.equal(
      await opensSocket(server, eventsProtocols(server.token), { origin: 'http://127.0.0.1:1' }),
      false,
    );
    assert.equal(await opensSocket(server, eventsProtocols(server.token), { host: 'evil.example' }), false);
  });

  test('paths outside the allowed roots are refused, naming the roots', async () => {
    writeFileSync(join(outside, 'x.csv'), 'date\n');
    const imp = await api(server, 'import/start', { paths: [join(outside, 'x.csv')] });
    assert.equal(imp.status, 403);
    assert.match(imp.body, /web mode may only import inside/);
    assert.ok(imp.body.includes(JSON.stringify(dir).slice(1, -1)), imp.body);
    assert.match(imp.body, /--allow-path/);
    assert.equal((await api(server, 'import/start', { paths: ['/etc/passwd'] })).status, 403);
    assert.equal((await api(server, 'import/start', { paths: [join(dir, '..', '..', 'etc')] })).status, 403);
    const exp = await api(server, 'report/export', {
      runId: 1,
      outDir: join(outside, 'r'),
      formats: ['csv'],
    });
    assert.equal(exp.status, 403);
    assert.match(exp.body, /may only write reports inside/);
    assert.equal(existsSync(join(outside, 'r')), false);
    assert.equal(engine.jobs.list().length, 0, 'no job started');
  });

  test('a link inside a root that points outside is judged by where it points', async () => {
    const { symlinkSync } = await import('node:fs');
    symlinkSync(outside, join(dir, 'escape'));
    assert.equal((await api(server, 'import/start', { paths: [join(dir, 'escape', 'x.csv')] })).status, 403);
  });

  test('app/info names the allowed roots for the page', async () => {
    const r = JSON.parse((await api(server, 'app/info', {})).body) as { result: { allowedRoots: string[] } };
    assert.ok(r.result.allowedRoots.some((p) => p.endsWith('uploads')));
    assert.ok(r.result.allowedRoots.length >= 2);
  });

  test('settings refused are named per field, for a form to show each beside its field', async () => {
    const r = await api(server, 'train/start', {
      config: { model: 'lstm-ae', epochs: 0, loss: { kind: 'focal', gamma: -1, alpha: 0.25 } },
    });
    assert.equal(r.status, 400);
    const { error } = JSON.parse(r.body) as {
      error: { code: string; message: string; fields: Record<string, string[]> };
    };
    assert.equal(error.code, 'bad-request');
    assert.match(error.message, /epochs must be at least 1/);
    assert.deepEqual(error.fields, { epochs: ['must be at least 1'], 'loss.gamma': ['must be at least 0'] });
  });

  test('/download hands out only files a page exported, and only with the token', async () => {
    // The workspace itself is inside an allowed root, but no page exported it: refused (the e2e reports test
    // downloads an exported PDF byte for byte).
    const workspace = join(dir, 'workspace.sqlite');
    const headers = { 'content-type': 'application/json', [TOKEN_HEADER]: server.token };
    const asked = await send(server, '/download', { headers, body: JSON.stringify({ path: workspace }) });
    assert.equal(asked.status, 404);
    assert.match(asked.body, /not a file this page exported/);
    assert.doesNotMatch(asked.body, /SQLite format/);
    const noToken = await send(server, '/download', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: workspace }),
    });
    assert.equal(noToken.status, 403);
    assert.equal((await send(server, '/download', { headers, body: 'not json' })).status, 400);
  });

  test('a body over the limit is "too large", not "not valid JSON"', async () => {
    const r = await send(server, '/api/dataset/summary', {
      headers: { [TOKEN_HEADER]: server.token },
      body: Buffer.alloc(17 << 20, 32),
    });
    assert.equal(r.status, 413);
    assert.match(r.body, /larger than 16 MiB/);
  });

  test('an upload over the cap is refused and leaves nothing', async () => {
    const r = await send(server, '/upload?name=big.csv', {
      headers: { [TOKEN_HEADER]: server.token },
      body: Buffer.alloc(200 * 1024, 65),
    });
    assert.equal(r.status, 413);
    assert.match(r.body, /limit of 0\.1 MiB/);
    assert.deepEqual(existsSync(join(dir, 'uploads')) ? readdirSync(join(dir, 'uploads')) : [], []);
  });

  test('an upload is removed once its import has finished', async () => {
    const { readFileSync } = await import('node:fs');
    const up = await send(server, '/upload?name=2013-04-10.csv.gz', {
      headers: { [TOKEN_HEADER]: server.token },
      body: readFileSync(SAMPLE_DAY).subarray(0, 60_000),
    });
    assert.equal(up.status, 200);
    const path = (JSON.parse(up.body) as { result: { path: string } }).result.path;
    assert.ok(existsSync(path));
    const started = JSON.parse((await api(server, 'import/start', { paths: [path] })).body) as {
      result: { jobId: string };
    };
    await engine.jobs.wait(started.result.jobId);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(existsSync(path), false);
    assert.deepEqual(readdirSync(join(dir, 'uploads')), []);
  });
});

describe('uploads left behind by a killed server', () => {
  test("are removed when the next server starts; a live server's uploads stay", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-leftovers-'));
    const uploads = join(dir, 'uploads');
    // A pid no process has: the highest ids are free on any machine that has not run 4 million processes.
    let dead = 4_194_000;
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    };
    while (alive(dead)) dead++;
    const folder = (name: string, owner: number | null): string => {
      const f = join(uploads, name);
      mkdirSync(f, { recursive: true });
      writeFileSync(join(f, 'day.csv'), 'date,serial_number\n');
      if (owner !== null) writeFileSync(join(f, '.owner'), String(owner));
      return f;
    };
    const killed = folder('killed', dead);
    const live = folder('live', process.pid);
    const fresh = folder('unowned-fresh', null);
    const old = folder('unowned-old', null);
    const { utimesSync } = await import('node:fs');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    const renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Drive Triage</title>');
    const engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'web' });
    const server = await startWebServer(engine, {
      rendererDir: renderer,
      uploadDir: uploads,
      allowedRoots: [dir],
    });
    try {
      assert.equal(existsSync(killed), false, "the killed server's upload is gone");
      assert.equal(existsSync(old), false, 'an unowned upload untouched for an hour is gone');
      assert.equal(existsSync(live), true, "a live server's upload stays");
      assert.equal(existsSync(fresh), true, 'a recent unowned upload stays');
    } finally {
      await server.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
