/// <reference lib="dom" />
// page.evaluate callbacks run in the browser.
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import type { FleetHeatmap } from '../../src-main/engine/api-types';
import { OFFLINE_PLOT_CONFIG } from '../../src-main/engine/charts/plot-text';
import { heatmapFigure } from '../../src-renderer/src/lib/heatmap';

const CRAFTED = '<a href="https://evil.example/">x</a>';

test('a crafted serial is drawn as text, never a link; no chart offers Plotly Cloud', async ({ page }) => {
  const h: FleetHeatmap = {
    runId: 1,
    scoreName: 'score',
    total: 2,
    drives: [
      { serial: CRAFTED, model: 'M', failureDay: '2024-01-02', score: 9, split: 'test' },
      { serial: 'B', model: 'M', failureDay: null, score: 5, split: 'train' },
    ],
    days: ['2024-01-01', '2024-01-02'],
    z: [3, 9, 2, 5],
  };
  const figure = heatmapFigure(h);
  await page.setContent('<!doctype html><div id="chart" style="width:800px;height:400px"></div>');
  await page.addScriptTag({ path: createRequire(__filename).resolve('plotly.js-dist/plotly.js') });
  const hrefs = await page.evaluate(
    async ({ figure, config }) => {
      const Plotly = (window as unknown as { Plotly: { newPlot(...a: unknown[]): Promise<unknown> } }).Plotly;
      await Plotly.newPlot('chart', figure.data, figure.layout, config);
      return Array.from(document.querySelectorAll('#chart a')).map(
        (a) => a.getAttribute('href') ?? a.outerHTML,
      );
    },
    { figure, config: OFFLINE_PLOT_CONFIG },
  );
  expect(hrefs).toEqual([]);
  await expect(page.locator('#chart').getByText(CRAFTED)).toHaveCount(1);
  await page.hover('#chart');
  await expect(page.locator('.modebar-btn').first()).toBeAttached();
  await expect(page.locator('[data-title*="Share"], [data-title*="Cloud"]')).toHaveCount(0);
  // The modebar holds what an analyst uses, nothing more (fewer tab stops per chart).
  expect(
    await page
      .locator('#chart .modebar-btn')
      .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-title'))),
  ).toEqual(['Download plot as a PNG', 'Zoom', 'Pan', 'Reset axes']);
  await expect(page.locator('a[href*="plotly.com"]')).toHaveCount(0);
});
