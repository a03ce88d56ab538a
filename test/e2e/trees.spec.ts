import { expect, test } from '@playwright/test';
import { guardOffline, startApp } from './web-server';

test('train gradient-boosted trees from the form, read what they split on, and ask whether they beat the rule', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const app = await startApp();
  const e = app.engine;
  const problems: string[] = [];
  guardOffline(page, problems);
  try {
    await e.jobs.wait((await e.call('import/start', { paths: ['resources/sample'] })).jobId);
    await page.goto(app.server.url);
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await page.getByLabel('Model kind').selectOption('gbdt');
    // The trees' own settings replace the network's.
    await expect(page.getByLabel('Epochs', { exact: true })).toHaveCount(0);
    await expect(page.getByLabel('Window (days)')).toHaveValue('4');
    await page.getByLabel('Rounds (trees)').fill('40');
    await page.getByLabel('Cross-validation folds (0 = held-out split)').fill('3');
    await page.getByRole('button', { name: 'Start training' }).click();

    const table = page.getByTestId('runs-table');
    await expect(table.getByRole('button', { name: 'Score' })).toBeVisible({ timeout: 120_000 });
    const run = (await e.call('runs/list', {}))[0];
    expect(run.kind).toBe('gbdt');
    expect(run.status).toBe('done');
    expect(run.config.folds).toBe(3);
    expect(run.config.rounds).toBe(40);
    await expect(page.getByTestId('batch-count')).toContainText('rounds (trees)');
    await expect(page.getByTestId('importance-chart').locator('.main-svg').first()).toBeVisible();
    const detail = await e.call('runs/get', { id: run.id });
    expect(detail.importance!.length).toBeGreaterThan(10);
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/18-trees-trained.png', fullPage: true });

    await table.getByRole('button', { name: 'Score' }).click();
    await expect(table.getByRole('button', { name: 'Evaluate' })).toBeVisible({ timeout: 120_000 });
    await table.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByTestId('compare').click();
    const verdict = page.getByTestId('verdict');
    await expect(verdict).toBeVisible({ timeout: 60_000 });
    await expect(
      page.getByText(/failed and .* healthy drives \(all .* drives, 3-fold cross-validated/),
    ).toBeVisible();
    const report = await e.call('eval/report', { runId: run.id, far: 0.01, bootstrap: 200 });
    const v = report.vsRule!;
    await expect(verdict).toContainText(v.verdict.slice(1, 40));
    const rows = page.getByTestId('vs-rule').locator('tbody tr');
    await expect(rows).toHaveCount(5);
    await expect(rows.nth(2)).toContainText('FAR 1%');
    await expect(rows.nth(2)).toContainText(`${(v.atFar[1].model * 100).toFixed(1)}%`);
    // The rule beside the model on the curves: its own curve, and its operating point once compared.
    const roc = page.getByRole('img', { name: 'ROC curve with the current threshold' });
    await expect(roc).toContainText("Backblaze's rule");
    await expect(roc).toContainText('rule: any counter above zero');
    await page.getByTestId('vs-rule').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test/screenshots/19-trees-vs-rule.png', fullPage: true });

    // Drive detail explains a flagged drive by each attribute's push toward failure.
    const top = (await e.call('scores/top', { runId: run.id, limit: 1 })).rows[0];
    await page.getByRole('tab', { name: 'Drives', exact: true }).click();
    await page.getByLabel('Search serial').fill(top.serial);
    // One drive is "1 drive"; at a chosen threshold the count says how many of them it flags (the worst: 1).
    await expect(page.getByTestId('drive-count')).toHaveText(/^1 drive( · 1 flagged at .+)?$/);
    await page.getByTestId('drives-table').locator('[role=row][data-index]').first().click();
    await expect(page.getByTestId('why-flagged').locator('li').first()).toBeVisible();
    await expect(page.getByTestId('drive-errors')).toContainText('push toward failure');
    await page.screenshot({ path: 'test/screenshots/20-trees-drive.png', fullPage: true });

    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('tab', { name: 'Threshold', exact: true }).click();
    await page.getByTestId('compare').click();
    await expect(page.getByTestId('verdict')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('vs-rule').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test/screenshots/21-dark-trees-vs-rule.png', fullPage: true });
    expect(problems).toEqual([]);
  } finally {
    await app.stop();
  }
});
