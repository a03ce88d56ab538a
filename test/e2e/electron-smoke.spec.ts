import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Electron binary's path, or null where it is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD). */
function electronBinary(): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const path = require('electron') as unknown as string;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();

test('the desktop app opens the sample and shows the drives table', async () => {
  test.skip(
    !binary,
    'the Electron binary is not installed here (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'dt-electron-'));
  const app = await electron.launch({
    executablePath: binary as string,
    args: ['.'],
    env: { ...process.env, DRIVE_TRIAGE_DB: join(dir, 'workspace.sqlite') },
  });
  try {
    const page = await app.firstWindow();
    await page.getByRole('button', { name: 'Open the sample data' }).click();
    await expect(page.getByTestId('import-report')).toContainText('191,398 rows added', { timeout: 60_000 });
    await page.getByRole('tab', { name: 'Drives', exact: true }).click();
    await expect(page.getByTestId('drives-table')).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/electron-drives.png' });
  } finally {
    await app.close();
  }
});

test('the desktop app prints a report to PDF with Electron’s own Chromium', async () => {
  test.skip(
    !binary,
    'the Electron binary is not installed here (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1)',
  );
  test.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'dt-electron-'));
  const app = await electron.launch({
    executablePath: binary as string,
    args: ['.'],
    // No Chromium for playwright-core to find: the PDF must come from Electron's printToPDF.
    env: { ...process.env, DRIVE_TRIAGE_DB: join(dir, 'workspace.sqlite'), CHROMIUM_PATH: '/nonexistent' },
  });
  try {
    const page = await app.firstWindow();
    const out = join(dir, 'reports');
    const files = await page.evaluate(async (outDir) => {
      type Bridge = {
        call(k: string, a: unknown): Promise<{ result?: unknown; error?: { message: string } }>;
      };
      const api = (window as unknown as { driveTriage: Bridge }).driveTriage;
      const call = async (k: string, a: unknown): Promise<Record<string, unknown>> => {
        const r = await api.call(k, a);
        if (r.error) throw new Error(r.error.message);
        return r.result as Record<string, unknown>;
      };
      const wait = async (jobId: unknown): Promise<Record<string, unknown>> => {
        for (;;) {
          const j = await call('jobs/get', { id: jobId });
          if (j.finishedAt) return j;
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      await wait((await call('import/sample', {})).jobId);
      const trained = await wait(
        (
          await call('train/start', {
            config: { model: 'lstm-ae', units: 8, epochs: 1, maxWindowsPerEpoch: 640 },
          })
        ).jobId,
      );
      const runId = (trained.result as { runId: number }).runId;
      await wait((await call('runs/score', { id: runId })).jobId);
      return (await call('report/export', { runId, far: 0.05, outDir, formats: ['pdf'], bootstrap: 20 }))
        .files as {
        path: string;
      }[];
    }, out);
    expect(files).toHaveLength(1);
    expect(readFileSync(files[0].path).subarray(0, 5).toString()).toBe('%PDF-');
  } finally {
    await app.close();
  }
});
