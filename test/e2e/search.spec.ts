/// <reference lib="dom" />
import { expect, test } from '@playwright/test';
import { guardOffline, startApp } from './web-server';

test('define a search, run it, watch the trials come in, read the charts, open the best run', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const app = await startApp();
  const problems: string[] = [];
  guardOffline(page, problems);
  try {
    const e = app.engine;
    await e.jobs.wait((await e.call('import/start', { paths: ['resources/sample'] })).jobId);
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.goto(app.server.url);
    await page.getByRole('tab', { name: 'Search', exact: true }).click();
    await expect(page.getByTestId('search-empty')).toBeVisible();

    // Small trials: one epoch of 640 windows, width 4..16 (the default row is 16..128).
    await page.getByLabel('Epochs per trial').fill('1');
    await page.getByLabel('Windows per epoch (0 = all)').fill('640');
    await page.getByLabel('Lowest width').fill('4');
    await page.getByLabel('Highest width').fill('16');
    await page.getByLabel('Trials', { exact: true }).fill('4');
    // The space as it was edited survives a tab switch and a reload.
    await page.getByRole('tab', { name: 'Drives', exact: true }).click();
    await page.reload();
    await page.getByRole('tab', { name: 'Search', exact: true }).click();
    await expect(page.getByLabel('Lowest width')).toHaveValue('4');
    await expect(page.getByLabel('Highest width')).toHaveValue('16');
    await expect(page.getByLabel('Epochs per trial')).toHaveValue('1');
    await expect(page.getByLabel('Trials', { exact: true })).toHaveValue('4');
    await page.getByRole('button', { name: 'Start search' }).click();

    const searches = page.getByTestId('searches-table');
    await expect(searches.getByRole('row').nth(1)).toContainText('running');
    // The workspace keeps the space: a new window (no draft of its own, as after a restart) opens on it.
    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    await other.goto(app.server.url);
    await other.getByRole('tab', { name: 'Search', exact: true }).click();
    await expect(other.getByLabel('Lowest width')).toHaveValue('4');
    await expect(other.getByLabel('Trials', { exact: true })).toHaveValue('4');
    await fresh.close();
    await expect(searches.getByRole('row').nth(1)).toContainText('done', { timeout: 200_000 });
    const detail = page.getByTestId('search-detail');
    const rows = page.getByTestId('trials-table').locator('tbody tr');
    await expect(rows).toHaveCount(4);

    // The page shows what the Api stored.
    const [info] = await e.call('search/list', {});
    const d = await e.call('search/get', { id: info.id });
    for (const t of d.trialList) {
      const row = rows.nth(t.trial);
      await expect(row).toContainText(t.objective === null ? '–' : t.objective.toPrecision(4));
      await expect(row).toContainText(String(t.params.width));
    }
    await expect(
      detail.getByRole('img', { name: 'Optimisation history' }).locator('.main-svg').first(),
    ).toBeVisible();
    await expect(
      detail.getByRole('img', { name: 'Parallel coordinates' }).locator('.scatterlayer .trace'),
    ).toHaveCount(d.trialList.filter((t) => t.objective !== null).length);
    await expect(
      detail.getByRole('img', { name: 'Setting importance' }).locator('.main-svg').first(),
    ).toBeVisible();
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/16-search.png', fullPage: true });
    // The system turning dark while the app is open darkens the charts too, not only the page.
    const tickFill = detail.getByRole('img', { name: 'Optimisation history' }).locator('.ytick text').first();
    const lightFill = await tickFill.evaluate((t) => getComputedStyle(t).fill);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => tickFill.evaluate((t) => getComputedStyle(t).fill)).not.toBe(lightFill);
    await page.screenshot({ path: 'test/screenshots/16b-dark-search.png', fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    // The best trial's run opens on the Train tab.
    await page.getByRole('button', { name: /Open the best trial's run/ }).click();
    await expect(page.getByRole('heading', { name: new RegExp(`Run #${d.best!.runId}`) })).toBeVisible();
    expect(problems).toEqual([]);
  } finally {
    await app.stop();
  }
});
