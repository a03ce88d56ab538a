import { pathToFileURL } from 'node:url';

/** Where the installed Chromium is (CHROMIUM_PATH overrides; Debian's by default). */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/**
 * Prints a report's HTML file to PDF in headless Chromium, as a person would
 * print it: A4, the page's own margins, charts drawn at the page's width, no
 * request allowed off the file itself. Waits for every chart to be drawn.
 */
export async function htmlToPdf(htmlFile: string, pdfFile: string): Promise<void> {
  // Loaded on the first PDF only: the engine's thread loads no browser driver otherwise (~0.2 s and 40 MB).
  const { chromium } = await import('playwright-core');
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  } catch (err) {
    throw new Error(
      `PDF export needs Chromium at ${chromiumPath()} (set CHROMIUM_PATH; on Debian: apt-get install chromium): ${(err as Error).message.split('\n')[0]}`,
    );
  }
  try {
    // 760 px is the printable width of A4 at 96 dpi with 10 mm margins: charts are sized for the page.
    const page = await browser.newPage({ viewport: { width: 760, height: 1000 } });
    const url = pathToFileURL(htmlFile).href;
    await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: pdfFile, printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}
