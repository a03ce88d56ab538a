/// <reference lib="dom" />
// page.evaluate callbacks run in the browser.
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startApp } from './web-server';

/** Sends a request line as typed (a client library would clean it up first) and reads the status line. */
function rawStatus(port: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`${requestLine}\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(text.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

/** Another local page the analyst happens to open: a dev server, a notebook, a malicious download. */
async function attackerSite(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

test('another local page cannot drive the Api: fetch, form POST and WebSocket are all refused', async ({
  page,
  context,
}) => {
  const app = await startApp();
  const target = `127.0.0.1:${app.server.port}`;
  const outDir = join(app.dir, 'stolen-report');
  const attacker = await attackerSite('<!doctype html><title>elsewhere</title><body>hello</body>');
  try {
    // The analyst has the app open (the token now sits in that tab's sessionStorage).
    await page.goto(app.server.url);
    await expect(page.getByRole('button', { name: 'Open the sample data' })).toBeVisible();
    expect(page.url()).not.toContain('token');

    const evil = await context.newPage();
    await evil.goto(attacker.url);
    const outcome = await evil.evaluate(
      async ({ target, outDir }) => {
        const out: Record<string, string> = {};
        const post = (key: string, body: unknown, init: RequestInit): Promise<string> =>
          fetch(`http://${target}/api/${key}`, { method: 'POST', body: JSON.stringify(body), ...init }).then(
            async (r) => `${r.type} ${r.status} ${await r.text().catch(() => '')}`,
            (e: Error) => `error ${e.message}`,
          );
        out.noCors = await post(
          'import/start',
          { paths: ['/etc/passwd'] },
          { mode: 'no-cors', credentials: 'include' },
        );
        out.cors = await post('dataset/summary', {}, { credentials: 'include' });
        out.report = await post(
          'report/export',
          { runId: 1, outDir, formats: ['csv'] },
          { mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' } },
        );
        out.socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://${target}/events`);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        });
        out.socketWithGuess = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://${target}/events`, ['drive-triage']);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        });
        // A plain HTML form POST (no CORS preflight at all).
        const frame = document.createElement('iframe');
        frame.name = 'sink';
        document.body.append(frame);
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = `http://${target}/api/import/start`;
        form.enctype = 'text/plain';
        form.target = 'sink';
        const input = document.createElement('input');
        input.name = '{"paths":["/etc/passwd"],"x":"';
        input.value = '"}';
        form.append(input);
        document.body.append(form);
        form.submit();
        await new Promise((r) => setTimeout(r, 500));
        return out;
      },
      { target, outDir },
    );
    expect(outcome.noCors).toMatch(/^opaque 0/);
    expect(outcome.cors).toMatch(/^error/);
    expect(outcome.report).toMatch(/^opaque 0/);
    expect(outcome.socket).toBe('refused');
    expect(outcome.socketWithGuess).toBe('refused');

    // What the engine saw: nothing started, nothing written.
    expect(app.engine.jobs.list()).toEqual([]);
    expect(existsSync(outDir)).toBe(false);

    // The analyst's own page still works.
    await page.bringToFront();
    await page.reload();
    await page.getByRole('button', { name: 'Open the sample data' }).click();
    await expect(page.getByTestId('import-report')).toContainText('191,398 rows added', { timeout: 60_000 });
  } finally {
    await attacker.close();
    await app.stop();
  }
});

test('a forged Host and malformed targets are refused, and the server still serves its page', async ({
  page,
  request,
}) => {
  const app = await startApp();
  try {
    const base = `http://127.0.0.1:${app.server.port}`;
    const forged = await request.post(`${base}/api/dataset/summary`, {
      data: {},
      headers: { host: 'evil.example', 'x-drive-triage-token': app.server.token },
    });
    expect(forged.status()).toBe(403);
    for (const path of ['//%', '/%E0%A4%A', '/api/%ZZ'])
      expect(await rawStatus(app.server.port, `GET ${path} HTTP/1.1`), path).toMatch(/^HTTP\/1\.1 400/);
    await page.goto(app.server.url);
    await expect(page.getByRole('button', { name: 'Open the sample data' })).toBeVisible();
  } finally {
    await app.stop();
  }
});

test('two instances on two ports in one browser do not log each other out', async ({ page, context }) => {
  const a = await startApp();
  const b = await startApp();
  try {
    await page.goto(a.server.url);
    await expect(page.getByRole('button', { name: 'Open the sample data' })).toBeVisible();
    const other = await context.newPage();
    await other.goto(b.server.url);
    await expect(other.getByRole('button', { name: 'Open the sample data' })).toBeVisible();
    await page.reload();
    await page.getByRole('button', { name: 'Open the sample data' }).click();
    await expect(page.getByTestId('import-report')).toContainText('191,398 rows added', { timeout: 60_000 });
  } finally {
    await a.stop();
    await b.stop();
  }
});
