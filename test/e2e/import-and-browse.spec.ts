import { expect, test } from '@playwright/test';
import { guardOffline, startApp } from './web-server';

test('import the sample through the UI, then open a failed drive', async ({ page }) => {
  const app = await startApp();
  const problems: string[] = [];
  guardOffline(page, problems);
  try {
    await page.goto(app.server.url);
    await expect(page.getByRole('button', { name: 'Open the sample data' })).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/01-first-start.png', fullPage: true });

    await page.getByRole('button', { name: 'Open the sample data' }).click();
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    await expect(bar).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/02-importing.png' });
    await expect(page.getByTestId('import-report')).toContainText('191,398 rows added', { timeout: 60_000 });
    await expect(bar).toBeHidden();
    await expect(page.getByTestId('summary')).toContainText('5,057');
    await expect(page.getByTestId('summary')).toContainText('57');
    await expect(page.getByTestId('import-headline')).toContainText('Import finished.');
    await page.screenshot({ path: 'test/screenshots/03-imported.png', fullPage: true });

    // A file refused whole reads as refused in the headline, its reason in full; nothing is lost.
    await page.locator('input[type=file][multiple]').setInputFiles({
      name: 'notes.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('when,what\n2024-01-01,swapped a fan\n'),
    });
    const headline = page.getByTestId('import-headline');
    await expect(headline).toContainText('Nothing imported.', { timeout: 30_000 });
    await expect(headline).toContainText('notes.csv refused:');
    await expect(
      page.getByTestId('import-report').getByRole('cell', { name: 'refused', exact: true }),
    ).toBeVisible();
    await expect(page.getByTestId('summary')).toContainText('5,057');
    await page.screenshot({ path: 'test/screenshots/03-import-refused.png', fullPage: true });

    // A file with a bad row: its row is rejected, the rest stored; the history of imports keeps it, rejected
    // rows and all, across a reload (it is read from the workspace).
    await page.locator('input[type=file][multiple]').setInputFiles({
      name: '2013-05-20.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'date,serial_number,model,capacity_bytes,failure,smart_5_raw\n' +
          '2013-05-20,TESTDRIVE01,ST3000DM001,3000592982016,0,0\n' +
          '2013-05-20,TESTDRIVE02,ST3000DM001,3000592982016,maybe,0\n',
      ),
    });
    await expect(headline).toContainText('Import finished.', { timeout: 30_000 });
    await page.reload();
    await page.getByRole('tab', { name: 'Data', exact: true }).click();
    const history = page.getByTestId('import-history');
    await expect(history.getByRole('heading')).toHaveText('Imported files (41)');
    const row = history.getByRole('row', { name: /2013-05-20\.csv/ });
    await expect(row).toContainText('imported');
    await row.getByRole('button', { name: '1' }).click();
    await expect(history.getByTestId('history-rejects')).toContainText('TESTDRIVE02');
    await page.screenshot({ path: 'test/screenshots/03-import-history.png', fullPage: true });

    await page.getByRole('tab', { name: 'Drives', exact: true }).click();
    await page.getByLabel('Filter by status').selectOption('failed');
    await expect(page.getByText('57 drives')).toBeVisible();
    const table = page.getByTestId('drives-table');
    const rows = table.locator('[role=row][data-index]');
    await expect(table).toHaveAttribute('aria-rowcount', '58');
    await expect(rows.first()).toContainText('failed');
    // The table is virtual: only the rows in view (and a margin) are in the page.
    expect(await rows.count()).toBeLessThan(57);
    await page.screenshot({ path: 'test/screenshots/04-failed-drives.png', fullPage: true });

    // Open a drive with a long history before failure.
    await page.getByLabel('Search serial').fill('5XW02LSS');
    await expect(rows).toHaveCount(1);
    await rows.first().click();
    await expect(page.getByRole('heading', { name: '5XW02LSS' })).toBeVisible();
    await expect(page.getByText('failed 2013-04-19')).toBeVisible();
    await expect(page.getByTestId('drive-chart').locator('.main-svg').first()).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/05-failed-drive.png', fullPage: true });

    // The Api says the same as the page.
    const series = await app.engine.call('drives/series', {
      serial: '5XW02LSS',
      attributes: ['smart_5_raw'],
    });
    expect(series.days.at(-1)).toBe('2013-04-19');
    expect(series.failure.at(-1)).toBe(1);
    expect(problems).toEqual([]);
  } finally {
    await app.stop();
  }
});

test('requests without the token are refused', async ({ request }) => {
  const app = await startApp();
  try {
    const base = `http://127.0.0.1:${app.server.port}`;
    // The page itself holds no data and loads without the token (it arrives in the fragment); the Api needs it.
    expect((await request.get(`${base}/`)).status()).toBe(200);
    expect((await request.post(`${base}/api/dataset/summary`, { data: {} })).status()).toBe(403);
    const ok = await request.post(`${base}/api/dataset/summary`, {
      data: {},
      headers: { 'x-drive-triage-token': app.server.token },
    });
    expect(ok.status()).toBe(200);
    const bad = await request.post(`${base}/api/drives/list`, {
      data: { limit: 'ten' },
      headers: { 'x-drive-triage-token': app.server.token },
    });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error.message).toMatch(/limit/);
  } finally {
    await app.stop();
  }
});
