import { expect, test, type Page } from '@playwright/test';
import type { TrainResult } from '../../src-main/engine/api-types';
import { guardOffline, startApp } from './web-server';

const SAMPLE = 'resources/sample';

/** The four cells as the page shows them. */
async function shownMatrix(page: Page): Promise<{ tp: number; fp: number; tn: number; fn: number }> {
  const cell = async (id: string): Promise<number> =>
    Number((await page.getByTestId(id).innerText()).replace(/,/g, ''));
  return { tp: await cell('tp'), fp: await cell('fp'), tn: await cell('tn'), fn: await cell('fn') };
}

test('tune the threshold of a scored run: the matrix follows the slider and agrees with the Api', async ({
  page,
}) => {
  const app = await startApp();
  const problems: string[] = [];
  guardOffline(page, problems);
  try {
    // Data and a small scored model through the same Api the UI uses.
    const e = app.engine;
    await e.jobs.wait((await e.call('import/start', { paths: [SAMPLE] })).jobId);
    const trained = await e.jobs.wait(
      (
        await e.call('train/start', {
          config: { model: 'lstm-ae', units: 8, epochs: 1, maxWindowsPerEpoch: 640, seed: 3 },
        })
      ).jobId,
    );
    const runId = (trained.result as TrainResult).runId;
    await e.jobs.wait((await e.call('runs/score', { id: runId })).jobId);

    await page.goto(app.server.url);
    await page.getByRole('tab', { name: 'Threshold', exact: true }).click();
    const matrix = page.getByTestId('confusion-matrix');
    await expect(matrix).toBeVisible();
    await expect(
      page.getByRole('img', { name: 'ROC curve with the current threshold' }).locator('.main-svg').first(),
    ).toBeVisible();
    await expect(
      page.getByRole('img', { name: 'Alerts per day' }).locator('.main-svg').first(),
    ).toBeVisible();

    // A typed threshold: the page shows exactly what the Api answers.
    const box = page.getByTestId('threshold-input');
    await box.fill('2.5');
    await box.press('Enter');
    await expect(page.getByRole('heading', { name: 'At threshold 2.5' })).toBeVisible();
    const api = await e.call('eval/at', { runId, level: 'drive', threshold: 2.5 });
    await expect.poll(() => shownMatrix(page)).toEqual(api.matrix);

    // Moving the slider moves the matrix: far left flags every drive.
    const rocPoint = page
      .getByRole('img', { name: 'ROC curve with the current threshold' })
      .locator('..')
      .getByTestId('plot-point');
    await page.getByTestId('threshold-slider').fill('0');
    const o = await e.call('eval/overview', { runId });
    const all = o.drives.positives + o.drives.negatives;
    await expect.poll(async () => (await shownMatrix(page)).tp + (await shownMatrix(page)).fp).toBe(all);
    // ... and the ROC marker sits at (1, 1): top right.
    const allFlagged = (await rocPoint.boundingBox())!;
    await page.getByTestId('threshold-slider').fill('800');
    await expect.poll(async () => (await shownMatrix(page)).tn).toBeGreaterThan(0);
    // A higher threshold: fewer false alarms, so the marker moves left.
    await expect.poll(async () => (await rocPoint.boundingBox())!.x).toBeLessThan(allFlagged.x);

    // The FAR preset: the false-alarm rate shown is at most the target.
    await page.getByLabel('False-alarm rate, percent').fill('1');
    await page.getByRole('button', { name: 'False alarms' }).click();
    const preset = await e.call('eval/preset', { runId, level: 'drive', preset: { kind: 'far', far: 0.01 } });
    await expect.poll(() => shownMatrix(page)).toEqual(preset.metrics.matrix);
    // The choice is kept with the run, in words: a reload comes back to it.
    await expect(page.getByTestId('threshold-chosen')).toContainText('at most 1% false alarms');
    await expect
      .poll(
        async () => (await e.call('runs/list', {})).find((r) => r.id === runId)?.chosenThreshold?.chosenBy,
      )
      .toBe('far');
    await page.reload();
    await page.getByRole('tab', { name: 'Threshold', exact: true }).click();
    await expect.poll(() => shownMatrix(page)).toEqual(preset.metrics.matrix);
    await expect(page.getByTestId('threshold-chosen')).toContainText('at most 1% false alarms');
    await expect(
      page.getByRole('img', { name: 'ROC curve with the current threshold' }).locator('.main-svg').first(),
    ).toBeVisible();
    await expect(page.getByTestId('plot-point').first()).toBeVisible();
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/06-threshold.png', fullPage: true });

    // The window level has its own matrix, with many more items.
    await page.getByRole('radio', { name: 'Windows' }).click();
    await expect
      .poll(async () => {
        const m = await shownMatrix(page);
        return m.tp + m.fp + m.tn + m.fn;
      })
      .toBe(o.windows.positives + o.windows.negatives);
    await page.getByRole('radio', { name: 'Drives' }).click();

    await page.getByTestId('compare').click();
    const table = page.getByTestId('comparison');
    await expect(table).toContainText('backblaze-rule', { timeout: 30_000 });
    await expect(table).toContainText('robust-z');
    await page.mouse.wheel(0, -100_000);
    await page.screenshot({ path: 'test/screenshots/07-threshold-compare.png', fullPage: true });

    // A run not scored yet is scored from here, with a progress bar (windows/s, time left) until the matrix shows.
    const second = await e.jobs.wait(
      (await e.call('train/start', { config: { model: 'gbdt', rounds: 20, folds: 0 } })).jobId,
    );
    const secondId = (second.result as TrainResult).runId;
    await page.reload();
    await page.getByRole('tab', { name: 'Threshold', exact: true }).click();
    await page.getByLabel('Run').selectOption(String(secondId));
    await page.getByRole('button', { name: 'Score every drive' }).click();
    await expect(page.getByTestId('scoring-progress')).toBeVisible();
    await expect(matrix).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('scoring-progress')).toHaveCount(0);

    // Reopened, the app shows the run last looked at, not the newest one.
    await page.getByLabel('Run').selectOption(String(runId));
    await expect.poll(() => shownMatrix(page)).toEqual(preset.metrics.matrix);
    await page.reload();
    await page.getByRole('tab', { name: 'Threshold', exact: true }).click();
    await expect(page.getByLabel('Run')).toHaveValue(String(runId));
    await expect.poll(() => shownMatrix(page)).toEqual(preset.metrics.matrix);
    expect(problems).toEqual([]);
  } finally {
    await app.stop();
  }
});
