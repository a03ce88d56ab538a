import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { JobInfo, TrainResult, UpdateResult } from '../../src-main/engine/api-types';
import { guardOffline, startApp } from './web-server';
import { SAMPLE_DAYS as DAYS } from '../../src-main/engine/testing/sample';

test('the daily loop: put a run in service, import day after day, and work the queue by keyboard', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const app = await startApp();
  const e = app.engine;
  const problems: string[] = [];
  guardOffline(page, problems);
  const done = async (jobId: string): Promise<JobInfo> => {
    const j = await e.jobs.wait(jobId);
    expect(j.state, j.error ?? '').toBe('done');
    return j;
  };
  try {
    await done((await e.call('import/start', { paths: DAYS.slice(0, 30) })).jobId);
    const trained = await done(
      (await e.call('train/start', { config: { model: 'gbdt', rounds: 20, folds: 0 } })).jobId,
    );
    const runId = (trained.result as TrainResult).runId;
    await done((await e.call('runs/score', { id: runId })).jobId);

    await page.goto(app.server.url);
    // No run in service yet: the Today tab says how to get one.
    await page.getByRole('tab', { name: 'Today', exact: true }).click();
    await expect(page.getByTestId('no-service')).toBeVisible();
    await page.getByTestId('no-service').getByRole('button', { name: 'Threshold tab' }).click();
    // Two alerts a day on the evaluation drives, then into service with a reason.
    await page.getByLabel('Alerts per day').fill('2');
    await page.getByRole('button', { name: 'Alerts/day' }).click();
    await expect(page.getByTestId('threshold-chosen')).toBeVisible();
    await page.getByLabel('Why put in service').fill('trees beat the rule on the sample');
    await page.getByRole('button', { name: /^Put in service at/ }).click();
    await expect(page.getByTestId('header-service')).toContainText(`run #${runId}`);
    await expect(page.getByTestId('service-box')).toContainText('In service at this threshold');
    const backfill = (await e.call('jobs/list', {})).find((j) => j.kind === 'update')!;
    await done(backfill.id);
    await expect(
      page.getByRole('img', { name: 'ROC curve with the current threshold' }).locator('.main-svg').first(),
    ).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/22-threshold-in-service.png', fullPage: true });

    await page.getByTestId('service-box').getByRole('button', { name: "Today's alerts" }).click();
    await expect(page.getByTestId('service-line')).toContainText('trees beat the rule on the sample');
    const pendingButton = page.getByRole('radio', { name: /^To review/ });
    const expectPending = async (): Promise<number> => {
      const n = (await e.call('triage/queue', {})).counts.pending;
      await expect(pendingButton).toContainText(String(n));
      await expect(page.getByTestId('queue').locator('tbody tr')).toHaveCount(n);
      return n;
    };
    let pending = await expectPending();
    expect(pending).toBeGreaterThan(2);

    // Days 31-35, one import each: the queue grows by exactly the drives whose new windows crossed.
    for (const file of DAYS.slice(30, 35)) {
      const imported = await done((await e.call('import/start', { paths: [file] })).jobId);
      const update = (await done(imported.followUpJobId!)).result as UpdateResult;
      expect(update.mode).toBe('incremental');
      const before = pending;
      pending = await expectPending();
      const queued = (await e.call('triage/queue', { limit: 5000 })).rows;
      for (const a of update.alerts)
        if (!queued.some((r) => r.serial === a.serial && r.day === a.day))
          expect(
            (await e.call('triage/queue', { show: 'all', limit: 5000 })).rows.find(
              (r) => r.serial === a.serial,
            )?.failureDay,
          ).not.toBeNull();
      const newDrives = new Set(update.alerts.map((a) => a.serial)).size;
      expect(pending).toBeLessThanOrEqual(before + newDrives);
      await expect(page.getByRole('heading', { name: /Today · data through/ })).toContainText(
        update.newDays!.to,
      );
    }
    await page.screenshot({ path: 'test/screenshots/23-today-queue.png', fullPage: true });

    // Keyboard: the first drive is a false alarm; tick the next two and acknowledge them together.
    const table = page.getByTestId('queue');
    const rows = table.locator('tbody tr');
    const first = (await rows.nth(0).locator('td').nth(1).innerText()).trim();
    await table.focus();
    await page.keyboard.press('f');
    await expect(pendingButton).toContainText(String(pending - 1));
    await expect(rows.first()).not.toContainText(first);
    await page.keyboard.press('x');
    await page.keyboard.press('j');
    await page.keyboard.press('x');
    await page.keyboard.press('a');
    await expect(pendingButton).toContainText(String(pending - 3));
    // Snooze by keyboard: s asks for the days, Enter saves.
    await table.focus();
    await page.keyboard.press('s');
    await page.getByLabel('Days to snooze').fill('3');
    await page.keyboard.press('Enter');
    await expect(pendingButton).toContainText(String(pending - 4));
    await page.getByRole('radio', { name: /^Reviewed/ }).click();
    await expect(page.getByTestId('queue')).toContainText('False alarm');
    await expect(page.getByTestId('queue')).toContainText('Snoozed until');
    const reviews = await e.call('triage/reviews', { serial: first });
    expect(reviews[0].verdict).toBe('false-alarm');

    // The swap crew's CSV, as shown.
    await page.getByRole('radio', { name: /^To review/ }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toContain('serial,model,alert_day');
    expect(csv.length - 1).toBe(pending - 4);

    // Enter opens the focused drive's detail under the run in service.
    await table.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('drive-errors')).toBeVisible();
    // A flagged drive shows the failed drives most like it, with their paths to failure.
    const nearest = page.getByTestId('nearest-failed');
    await expect(nearest.locator('tbody tr')).toHaveCount(5, { timeout: 30_000 });
    await expect(
      nearest.getByRole('img', { name: /nearest failed drives before their failure/ }),
    ).toBeVisible();
    await nearest.scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test/screenshots/25-drive-nearest-failed.png', fullPage: false });
    await page.getByRole('tab', { name: 'Today', exact: true }).click();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(page.getByTestId('queue')).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/24-dark-today-queue.png', fullPage: true });
    expect(problems).toEqual([]);
  } finally {
    await app.stop();
  }
});
