/// <reference lib="dom" />
/**
 * bench:ui's "frame times while a classifier trains": the sample imported into a workspace of its own, an LSTM
 * classifier started from the Train form, and while its live charts fill: the time between animation frames over
 * a few seconds on the Train tab (target: p95 under 50 ms), and a switch to the Threshold tab and back until each
 * is drawn. The run is cancelled after.
 */
import type { Browser, Page } from '@playwright/test';
import { join } from 'node:path';
import { Engine } from '../src-main/engine/engine';
import { startWebServer } from '../src-main/engine/web/server';

/** Seconds of frames sampled once the first batches are drawn. */
const SAMPLE_SECONDS = 8;

/** Median, p95 and max of some timings (ms), rounded to 0.01 ms. */
export function quantiles(ms: number[]): { runs: number; medianMs: number; p95Ms: number; maxMs: number } {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 100) / 100;
  return {
    runs: s.length,
    medianMs: r(s[s.length >> 1]),
    p95Ms: r(s[Math.floor(s.length * 0.95)]),
    maxMs: r(s.at(-1)!),
  };
}

/** In the page: the gaps between animation frames for `seconds`. */
const frameGaps = (page: Page, seconds: number): Promise<number[]> =>
  page.evaluate(
    (s) =>
      new Promise<number[]>((resolve) => {
        const gaps: number[] = [];
        const t0 = performance.now();
        let last = t0;
        const tick = (now: number): void => {
          gaps.push(now - last);
          last = now;
          if (now - t0 < s * 1000) requestAnimationFrame(tick);
          else resolve(gaps.slice(1));
        };
        requestAnimationFrame(tick);
      }),
    seconds,
  );

/** Clicks a tab and waits until `ready` is drawn; milliseconds. */
async function switchTo(page: Page, tab: string, ready: string): Promise<number> {
  const t0 = Date.now();
  await page.getByRole('tab', { name: tab, exact: true }).click();
  await page.locator(ready).first().waitFor({ timeout: 60_000 });
  return Date.now() - t0;
}

export async function framesWhileTraining(
  browser: Browser,
  dir: string,
  samplePath: string,
  rendererDir: string,
  log: (m: string) => void,
): Promise<Record<string, unknown>[]> {
  const engine = new Engine({ dbPath: join(dir, 'train.sqlite'), mode: 'web', samplePath });
  await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
  const server = await startWebServer(engine, {
    rendererDir,
    uploadDir: join(dir, 'up-train'),
    allowedRoots: [dir],
  });
  const rows: Record<string, unknown>[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(server.url);
    // tsx names the functions declared inside the callbacks below with a helper the page lacks.
    await page.evaluate('window.__name = (f) => f');
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await page.getByLabel('Model kind').selectOption('lstm-clf');
    await page.getByLabel('Epochs', { exact: true }).fill('50');
    await page.getByRole('button', { name: 'Start training' }).click();
    // The live charts are drawing once the batch count moves.
    await page.getByTestId('loss-chart').locator('.main-svg').first().waitFor({ timeout: 120_000 });
    await page.waitForFunction(
      () =>
        Number(
          (document.querySelector('[data-testid=batch-count]')?.textContent ?? '0')
            .replace(/,/g, '')
            .split(' ')[0],
        ) > 50,
      undefined,
      { timeout: 120_000 },
    );
    const gaps = await frameGaps(page, SAMPLE_SECONDS);
    const batches = (await page.getByTestId('batch-count').innerText()).split(' ')[0];
    rows.push({
      key: `frames while an LSTM classifier trains on the sample (Train tab, live charts; ${batches} batches drawn by the end)`,
      ...quantiles(gaps),
      targetP95Ms: 50,
    });
    const away = await switchTo(page, 'Threshold', 'main');
    const back = await switchTo(page, 'Train', '[data-testid=loss-chart] .main-svg');
    rows.push({
      key: 'while it trains: tab switch to Threshold and back to Train until drawn (ms)',
      away,
      back,
    });
    const running = (await engine.call('jobs/list', {})).find((j) => j.state === 'running');
    if (running) await engine.call('jobs/cancel', { id: running.id });
    for (const j of await engine.call('jobs/list', {}))
      if (j.state === 'running') await engine.jobs.wait(j.id);
    await page.close();
  } finally {
    await server.close();
    await engine.close();
  }
  return rows;
}
