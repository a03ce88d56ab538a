import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync, mkdtempSync } from 'node:fs';
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
    await page.getByRole('button', { name: 'Drives', exact: true }).click();
    await expect(page.getByTestId('drives-table')).toBeVisible();
    await page.screenshot({ path: 'test/screenshots/electron-drives.png' });
  } finally {
    await app.close();
  }
});
