import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { Engine } from '../../src-main/engine/engine';
import { startWebServer, type WebServer } from '../../src-main/engine/web/server';

/** Web mode on a fresh temporary workspace, with the real engine and the built UI. */
export async function startApp(): Promise<{
  engine: Engine;
  server: WebServer;
  dir: string;
  stop(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'dt-e2e-'));
  const engine = new Engine({ dbPath: join(dir, 'workspace.sqlite'), mode: 'web' });
  const server = await startWebServer(engine, {
    rendererDir: 'out/renderer',
    uploadDir: join(dir, 'uploads'),
    allowedRoots: [dir],
  });
  return {
    engine,
    server,
    dir,
    async stop() {
      await server.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Fails the test on any request that leaves 127.0.0.1 and on any CSP violation:
 * the app must work offline.
 */
export function guardOffline(page: Page, problems: string[]): void {
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', ''].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) {
      problems.push(`request left the machine: ${r.url()}`);
    }
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(`CSP violation: ${m.text()}`);
  });
  page.on('pageerror', (e) =>
    problems.push(`page error: ${e.message}${process.env.DT_STACKS ? `\n${e.stack}` : ''}`),
  );
}
