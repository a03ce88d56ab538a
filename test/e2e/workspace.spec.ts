/// <reference lib="dom" />
// page.evaluate callbacks run in the browser.
import { expect, test, type Page } from '@playwright/test';
import { guardOffline, startApp } from './web-server';

const SAMPLE = 'resources/sample';

const batchesShown = async (page: Page): Promise<number> => {
  const t = await page
    .getByTestId('batch-count')
    .innerText()
    .catch(() => '0');
  return Number(t.replace(/,/g, '').split(' ')[0]) || 0;
};

test('train from the form and watch the loss move, score, open the fleet heatmap, follow a cell to a drive', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const app = await startApp();
  const e = app.engine;
  const problems: string[] = [];
  guardOffline(page, problems);
  try {
    await e.jobs.wait((await e.call('import/start', { paths: [SAMPLE] })).jobId);
    await page.goto(app.server.url);
    await page.getByRole('tab', { name: 'Train', exact: true }).click();

    // A small LSTM autoencoder from the form.
    await page.getByLabel('Model kind').selectOption('lstm-ae');
    await page.getByLabel('Window (days)').fill('8');
    await page.getByLabel('LSTM width').fill('48');
    // The split is the analyst's: shares of the drives, or a time split within the data's dates.
    const summary = await e.call('dataset/summary', {});
    const split = page.getByTestId('split-settings');
    await expect(split.getByLabel('Test on every window from (time split)')).toHaveAttribute(
      'min',
      summary.firstDay!,
    );
    await expect(split.getByLabel('Test on every window from (time split)')).toHaveAttribute(
      'max',
      summary.lastDay!,
    );
    await expect(split).toContainText(`the data runs from ${summary.firstDay} to ${summary.lastDay}`);

    // Settings that cannot train are all named at once, in words.
    await page.getByLabel('Epochs', { exact: true }).fill('0');
    await page.getByLabel('Learning rate').fill('-1');
    await page.getByRole('button', { name: 'Start training' }).click();
    const bad = page.getByTestId('setting-problems');
    await expect(bad).toContainText('epochs must be at least 1');
    await expect(bad).toContainText('learningRate must be above 0');
    // ... and each beside its own field, which reads as invalid and is described by its problem.
    // (By role: its accessible name stays "Epochs"; the problem is its description.)
    const epochsField = page.getByRole('spinbutton', { name: 'Epochs', exact: true });
    await expect(epochsField).toHaveAttribute('aria-invalid', 'true');
    await expect(epochsField).toHaveAccessibleDescription('must be at least 1');
    await expect(page.getByLabel('Learning rate')).toHaveAccessibleDescription('must be above 0');
    await expect(page.getByLabel('Batch size')).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('field-problem')).toHaveCount(2);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: 'test/screenshots/05-train-problems.png', fullPage: true });
    expect(await e.call('runs/list', {})).toEqual([]);
    await page.getByLabel('Learning rate').fill('0.001');
    await epochsField.fill('4');
    await page.getByText('More settings').click();
    await page.getByLabel('Windows per epoch (0 = all)').fill('32000');
    // The form as the analyst left it survives a tab switch and a reload.
    await page.getByRole('tab', { name: 'Drives', exact: true }).click();
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await expect(page.getByLabel('LSTM width')).toHaveValue('48');
    await page.reload();
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await expect(page.getByLabel('Model kind')).toHaveValue('lstm-ae');
    await expect(page.getByLabel('LSTM width')).toHaveValue('48');
    await expect(page.getByLabel('Window (days)')).toHaveValue('8');
    await expect(epochsField).toHaveValue('4');
    await page.getByText('More settings').click();
    await expect(page.getByLabel('Windows per epoch (0 = all)')).toHaveValue('32000');
    // Every batch count the page shows while training, as it changes.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="batch-count"]')?.textContent ?? '';
        if (t && seen.at(-1) !== t) seen.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Start training' }).click();

    // The loss chart fills while the run goes, and the engine in use is named.
    await expect(page.getByTestId('loss-chart').locator('.main-svg').first()).toBeVisible({
      timeout: 60_000,
    });
    await expect(page.getByTestId('engine-in-use')).toContainText(/native|tensorflow|wasm|cpu/);
    await page.screenshot({ path: 'test/screenshots/08-training.png', fullPage: true });
    await expect(page.getByRole('button', { name: 'Start training' })).toBeEnabled({ timeout: 180_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.length, `the batch count moved during the run: ${seen.join(' | ')}`).toBeGreaterThan(3);

    // What the page drew is what the run stored.
    const [run] = await e.call('runs/list', {});
    expect(run.status).toBe('done');
    const detail = await e.call('runs/get', { id: run.id });
    await expect.poll(() => batchesShown(page)).toBe(detail.batches.length);
    expect(detail.batches.length).toBe(2000);
    await expect(page.getByTestId('engine-in-use')).toContainText(`${run.backend} · ${run.device}`);

    // Score it from the runs table.
    const table = page.getByTestId('runs-table');
    await table.getByRole('button', { name: 'Score' }).click();
    await expect(table.getByRole('button', { name: 'Evaluate' })).toBeVisible({ timeout: 120_000 });
    // Delete asks first and says what goes with the run; Keep leaves it. A finished run offers no Resume.
    await expect(table.getByRole('button', { name: 'Resume' })).toHaveCount(0);
    await table.getByRole('button', { name: `Delete run ${run.id}` }).click();
    const ask = table.getByRole('group', { name: `Confirm deleting run ${run.id}` });
    await expect(ask).toContainText('scores, loss history and saved model');
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/09-runs.png', fullPage: true });
    await ask.getByRole('button', { name: 'Keep' }).click();
    await expect(ask).toHaveCount(0);
    // Scored: its AP and detection at 1% false alarms are in the table, as the Api computes them.
    const scoredRun = (await e.call('runs/list', {})).find((r) => r.id === run.id)!;
    expect(scoredRun.evaluation).not.toBeNull();
    await expect(table.getByRole('row', { name: new RegExp(`#${run.id}`) })).toContainText(
      scoredRun.evaluation!.averagePrecision!.toFixed(3),
    );
    // A name and a note the analyst gives it stay with it.
    await table.getByRole('button', { name: `Rename run ${run.id}` }).click();
    const naming = table.getByRole('form', { name: `Name run ${run.id}` });
    await naming.getByLabel('Name').fill('first LSTM');
    await naming.getByLabel('Note').fill('4 epochs, width 48');
    await naming.getByRole('button', { name: 'Save' }).click();
    await expect(table).toContainText('first LSTM');
    await expect(table).toContainText('4 epochs, width 48');
    // The run's settings, read-only, the ones chosen in the form marked against the defaults.
    const settings = page.getByTestId('run-settings');
    await expect(settings.locator('summary')).toContainText(`Settings of run #${run.id} (read-only)`);
    await settings.locator('summary').click();
    await expect(settings.getByRole('row', { name: 'units 48 chosen' })).toBeVisible();
    await expect(settings.getByRole('row', { name: 'windowDays 8 chosen' })).toBeVisible();
    await expect(settings.getByRole('row', { name: /^batchSize 64$/ })).toBeVisible();
    expect((await e.call('runs/get', { id: run.id })).name).toBe('first LSTM');
    expect((await e.call('runs/list', {})).map((r) => r.id)).toContain(run.id);

    // The fleet heatmap: the top drives as the Api ranks them.
    await page.getByRole('tab', { name: 'Fleet heatmap', exact: true }).click();
    const heat = page.getByTestId('fleet-heatmap');
    await expect(heat.locator('.main-svg').first()).toBeVisible();
    const h = await e.call('scores/heatmap', { runId: run.id, top: 200, days: 60 });
    await expect(page.getByText(`200 of ${h.total.toLocaleString('en-US')} scored drives`)).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/10-fleet-heatmap.png', fullPage: true });

    // The cells are reachable by keyboard: the first key lands on the worst drive's last day, arrows move, Enter opens.
    await heat.focus();
    await page.keyboard.press('ArrowDown');
    const words = page.getByTestId('heatmap-cell');
    await expect(words).toContainText(`Row 1 of 200: ${h.drives[0].serial}`);
    await expect(words).toContainText(h.days.at(-1)!);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowLeft');
    await expect(words).toContainText(`Row 2 of 200: ${h.drives[1].serial} (${h.drives[1].split})`);
    await expect(words).toContainText(h.days.at(-2)!);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: h.drives[1].serial })).toBeVisible();
    await page.getByRole('tab', { name: 'Fleet heatmap', exact: true }).click();
    await expect(heat.locator('.main-svg').first()).toBeVisible();

    // Click a cell of the top row: that drive opens on that day, with its errors and why it was flagged.
    const area = (await heat.locator('.nsewdrag').first().boundingBox())!;
    // Plotly clicks what it hovers: move over a cell, let the hover settle, then click there.
    await page.mouse.move(area.x + area.width * 0.5, area.y + area.height * 0.1, { steps: 4 });
    await page.waitForTimeout(200);
    await page.mouse.down();
    await page.mouse.up();
    const heading = page.getByRole('heading', { level: 2 });
    await expect(heading).not.toHaveText('Fleet heatmap');
    const opened = (await heading.innerText()).trim();
    const row = h.drives.findIndex((d) => d.serial === opened);
    expect(row, `${opened} is one of the heatmap's drives, near the top`).toBeGreaterThanOrEqual(0);
    expect(row).toBeLessThan(40);
    await expect(page.getByTestId('drive-errors').locator('.main-svg').first()).toBeVisible();
    await expect(page.getByTestId('why-flagged').locator('li')).toHaveCount(5);
    const why = await e.call('scores/drive', { runId: run.id, serial: opened });
    await expect(page.getByTestId('why-flagged').locator('li').first()).toContainText(
      why.contributions[0].feature.replace(/^smart_(\d+)_raw(:change)?$/, 'SMART $1'),
    );
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/11-drive-errors.png', fullPage: true });

    // Back to the table: sorted by this run's score, worst first.
    await page.getByRole('button', { name: '← All drives' }).click();
    const rows = page.getByTestId('drives-table').locator('[role=row][data-index]');
    const top = await e.call('scores/top', { runId: run.id, limit: 3 });
    await expect(rows.first()).toContainText(top.rows[0].serial);
    await expect(rows.nth(1)).toContainText(top.rows[1].serial);
    // Keyboard: the arrow moves down a row, Enter opens it.
    await rows.first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: top.rows[1].serial })).toBeVisible();
    // Escape closes the drive's detail.
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('drives-table')).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/12-drives-by-score.png', fullPage: true });

    // The views are ARIA tabs: arrows move between them, Home and End to the ends, the focus with the selection.
    const drivesTab = page.getByRole('tab', { name: 'Drives', exact: true });
    await expect(drivesTab).toHaveAttribute('aria-selected', 'true');
    await drivesTab.focus();
    await page.keyboard.press('ArrowRight');
    const trainTab = page.getByRole('tab', { name: 'Train', exact: true });
    await expect(trainTab).toHaveAttribute('aria-selected', 'true');
    await expect(trainTab).toBeFocused();
    await expect(page.getByRole('tabpanel')).toHaveAttribute('aria-labelledby', 'tab-train');
    await page.keyboard.press('End');
    await expect(page.getByRole('tab', { name: 'Reports', exact: true })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('tab', { name: 'Data', exact: true })).toBeFocused();
    await expect(page.getByRole('tab', { selected: true })).toHaveCount(1);
    await drivesTab.click();

    // Two runs compared: a second, smaller run through the Api, then both ticked.
    const second = await e.jobs.wait(
      (
        await e.call('train/start', {
          config: { model: 'lstm-ae', windowDays: 8, units: 16, epochs: 2, maxWindowsPerEpoch: 3200 },
        })
      ).jobId,
    );
    expect(second.state).toBe('done');
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await page.getByLabel(`Compare run ${run.id}`).check();
    await page.getByLabel(`Compare run ${run.id + 1}`).check();
    const cmp = page.getByTestId('run-comparison');
    await expect(cmp.locator('.main-svg').first()).toBeVisible();
    await expect(cmp.getByRole('row', { name: /units/ })).toContainText('48');
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/13-compare-runs.png', fullPage: true });

    // A classifier against an autoencoder: different losses are not overlaid; their findings are set side by side.
    const clf = await e.jobs.wait(
      (
        await e.call('train/start', {
          config: { model: 'lstm-clf', windowDays: 8, units: 8, epochs: 1, maxWindowsPerEpoch: 1024 },
        })
      ).jobId,
    );
    expect(clf.state).toBe('done');
    await page.reload();
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await page.getByLabel(`Compare run ${run.id}`).check();
    await page.getByLabel(`Compare run ${run.id + 2}`).check();
    await expect(cmp.getByTestId('losses-not-comparable')).toContainText('minimise different losses');
    await expect(cmp.locator('.main-svg')).toHaveCount(0);
    await expect(cmp.getByRole('row', { name: /detection at 1% false alarms/ })).toContainText('%');
    await expect(cmp.getByRole('row', { name: /^model/ })).toContainText('lstm-clf');
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/13b-compare-different-losses.png', fullPage: true });

    // A run's settings back in the form, to train it again or a variation of it.
    await page
      .getByTestId('runs-table')
      .getByRole('button', { name: `#${run.id + 1}`, exact: true })
      .click();
    await page.getByRole('button', { name: 'Train again with these settings' }).click();
    await expect(page.getByLabel('Model kind')).toHaveValue('lstm-ae');
    await expect(page.getByLabel('LSTM width')).toHaveValue('16');
    await expect(page.getByLabel('Epochs', { exact: true })).toHaveValue('2');
    await expect(page.getByLabel('Window (days)')).toHaveValue('8');

    // The runs table sorts by a header click: oldest first, then newest first again.
    const runsTable = page.getByTestId('runs-table');
    const listedIds = async (): Promise<number[]> =>
      (
        await runsTable
          .locator('tbody tr')
          .getByRole('button', { name: /^#\d+$/ })
          .allTextContents()
      ).map((t) => Number(t.slice(1)));
    const newestFirst = await listedIds();
    expect(newestFirst.length).toBeGreaterThan(1);
    await runsTable.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(runsTable.getByRole('columnheader', { name: 'Run', exact: true })).toHaveAttribute(
      'aria-sort',
      'ascending',
    );
    expect(await listedIds()).toEqual([...newestFirst].sort((a, b) => a - b));
    await runsTable.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(runsTable.getByRole('columnheader', { name: 'Run', exact: true })).toHaveAttribute(
      'aria-sort',
      'descending',
    );
    expect(await listedIds()).toEqual(newestFirst);

    // The classifier explains its alerts too, by gradient x input per attribute, in drive detail.
    const clfId = run.id + 2;
    await e.jobs.wait((await e.call('runs/score', { id: clfId })).jobId);
    await page.reload();
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await runsTable
      .locator('tbody tr')
      .filter({ has: page.getByRole('button', { name: `#${clfId}`, exact: true }) })
      .getByRole('button', { name: 'Evaluate' })
      .click();
    const openTopDrive = async (): Promise<void> => {
      await page.getByRole('tab', { name: 'Drives', exact: true }).click();
      await page.getByTestId('drives-table').locator('[role=row][data-index]').first().focus();
      await page.keyboard.press('Enter');
    };
    await openTopDrive();
    const whyClf = page.getByTestId('why-flagged');
    await expect(whyClf).toContainText('gradient × input');
    await expect(whyClf.locator('li')).toHaveCount(5);
    await expect(page.getByTestId('no-explanation')).toHaveCount(0);
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/11b-drive-classifier-explained.png', fullPage: true });

    // Readable in the dark: the system's dark scheme darkens the page and the charts' text.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.getByRole('tab', { name: 'Fleet heatmap', exact: true }).click();
    await expect(page.getByTestId('fleet-heatmap').locator('.main-svg').first()).toBeVisible();
    const luminance = (rgb: string): number => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const body = await page.evaluate(() => {
      const s = getComputedStyle(document.body);
      return { bg: s.backgroundColor, fg: s.color };
    });
    expect(luminance(body.bg)).toBeLessThan(60);
    expect(luminance(body.fg)).toBeGreaterThan(180);
    const tick = page.getByTestId('fleet-heatmap').locator('.xtick text').first();
    expect(luminance(await tick.evaluate((t) => getComputedStyle(t).fill))).toBeGreaterThan(180);
    await page.screenshot({ path: 'test/screenshots/14-dark-heatmap.png', fullPage: true });
    await page.getByRole('tab', { name: 'Train', exact: true }).click();
    await expect(page.getByTestId('runs-table')).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/15-dark-train.png', fullPage: true });
    await openTopDrive();
    await expect(whyClf.locator('li')).toHaveCount(5);
    await page.screenshot({ path: 'test/screenshots/15b-dark-drive-classifier.png', fullPage: true });
    await page.keyboard.press('Escape');
    // Every other tab of this workspace in the dark, to be looked at as the light ones are.
    await page.getByRole('tab', { name: 'Data', exact: true }).click();
    await expect(page.getByTestId('import-history')).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/15c-dark-data.png', fullPage: true });
    await page.getByRole('tab', { name: 'Drives', exact: true }).click();
    await expect(page.getByTestId('drives-table')).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/15d-dark-drives.png', fullPage: true });
    expect(problems).toEqual([]);
  } finally {
    await app.stop();
  }
});
