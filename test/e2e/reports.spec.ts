/// <reference lib="dom" />
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { TrainResult } from '../../src-main/engine/api-types';
import { guardOffline, startApp } from './web-server';

test('pick a run and a threshold, preview the report, export HTML, PDF and CSV', async ({ page }) => {
  test.setTimeout(180_000);
  const app = await startApp();
  const problems: string[] = [];
  guardOffline(page, problems);
  try {
    const e = app.engine;
    await e.jobs.wait((await e.call('import/start', { paths: ['resources/sample'] })).jobId);
    const trained = await e.jobs.wait(
      (
        await e.call('train/start', {
          config: { model: 'lstm-ae', units: 8, epochs: 1, maxWindowsPerEpoch: 640, windowDays: 7, seed: 3 },
        })
      ).jobId,
    );
    const runId = (trained.result as TrainResult).runId;
    await e.jobs.wait((await e.call('runs/score', { id: runId })).jobId);

    await page.setViewportSize({ width: 1360, height: 900 });
    await page.goto(app.server.url);
    await page.getByRole('tab', { name: 'Reports', exact: true }).click();
    // The false-alarm preset at 5%.
    await page.getByLabel('False-alarm rate, percent').fill('5');
    await page.getByRole('button', { name: 'Preview' }).click();
    const api = await e.call('report/build', { runId, far: 0.05, bootstrap: 0 });
    await expect(page.getByTestId('preview-fingerprint')).toHaveText(api.fingerprint);
    await expect(page.getByTestId('report-preview')).toContainText(api.threshold.reason);
    await expect(page.getByTestId('preview-flagged').locator('tbody tr')).toHaveCount(
      Math.min(15, api.flagged.total),
    );
    await expect(page.getByTestId('preview-flagged')).toContainText(api.flagged.drives[0].serial);
    // The flagged drives fit the preview: no column runs off its right edge.
    const fits = await page
      .getByTestId('report-preview')
      .evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
    expect(fits).toBe(true);

    const out = join(app.dir, 'reports');
    await page.getByLabel('Output folder').fill(out);
    await page.getByRole('button', { name: 'Export' }).click();
    const written = page.getByTestId('exported');
    await expect(written).toContainText('.pdf', { timeout: 60_000 });
    for (const suffix of ['.html', '.pdf', '-flagged.csv', '-metrics.csv', '-confusion.csv']) {
      const path = join(out, `report-run${runId}-${api.fingerprint.slice(0, 8)}${suffix}`);
      await expect(written).toContainText(path);
      expect(existsSync(path)).toBe(true);
    }
    // Web mode: the files are on the engine's machine; the page hands a copy to the browser, byte for byte.
    const pdfPath = join(out, `report-run${runId}-${api.fingerprint.slice(0, 8)}.pdf`);
    const [saved] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download PDF' }).click(),
    ]);
    expect(saved.suggestedFilename()).toBe(basename(pdfPath));
    expect(readFileSync(await saved.path()).equals(readFileSync(pdfPath))).toBe(true);
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/17-reports.png', fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: 'test/screenshots/17b-dark-reports.png', fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    // A threshold nothing reaches: the preview says so instead of an empty table.
    await page.getByRole('radio', { name: /This value/ }).check();
    await page.getByLabel('Threshold value').fill('1000000');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.getByTestId('preview-none')).toBeVisible();
    expect(problems).toEqual([]);
  } finally {
    await app.stop();
  }
});
