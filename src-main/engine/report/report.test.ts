import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ApiError, type ReportExport, type TrainResult } from '../api-types';
import { Engine } from '../engine';
import { chromiumPath } from './report-pdf';
import { csv, csvField } from './report-csv';
import { formatDay } from '../import/row-fields';

const SAMPLE = resolve(__dirname, '../../../resources/sample');
const hasPdfTools = ((): boolean => {
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A CSV file as rows of fields (RFC 4180 quoting), the header first. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  return rows;
}
const records = (text: string): Record<string, string>[] => {
  const [head, ...rest] = parseCsv(text);
  return rest.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
};
const numOrNull = (s: string): number | null => (s === '' ? null : Number(s));

describe('reports of a scored run on the sample', () => {
  let dir: string;
  let engine: Engine;
  let runId: number;
  let exported: ReportExport;
  const file = (suffix: string): string => exported.files.find((f) => f.path.endsWith(suffix))!.path;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-report-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
    await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
    const { jobId } = await engine.call('train/start', {
      config: { model: 'lstm-ae', units: 8, epochs: 1, maxWindowsPerEpoch: 640, windowDays: 7, seed: 5 },
    });
    const r = (await engine.jobs.wait(jobId)).result as TrainResult;
    runId = r.runId;
    await engine.jobs.wait((await engine.call('runs/score', { id: runId })).jobId);
    exported = await engine.call('report/export', {
      runId,
      far: 0.05,
      outDir: join(dir, 'out'),
      formats: hasPdfTools ? ['html', 'pdf', 'csv'] : ['html', 'csv'],
      bootstrap: 50,
    });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the HTML stands alone: no external URL is loaded, and it draws its charts in Chromium offline', async () => {
    const html = readFileSync(file('.html'), 'utf8');
    // Nothing fetched: no script, style, image or frame from elsewhere.
    assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?\/\//i);
    const data = await engine.call('report/build', { runId, far: 0.05, bootstrap: 50 });
    assert.ok(html.includes(data.fingerprint));
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage();
      const url = pathToFileURL(file('.html')).href;
      const requested: string[] = [];
      await page.route('**/*', (r) => {
        if (r.request().url() !== url) requested.push(r.request().url());
        return r.request().url() === url ? r.continue() : r.abort();
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      assert.deepEqual(requested, []);
      assert.deepEqual(errors, []);
      // Every chart drawn (ROC, PR, lead times, alerts, training loss, the top drives' heatmaps).
      const charts = await page.locator('[data-chart]').count();
      assert.ok(charts >= 5);
      assert.equal(await page.locator('[data-chart] .main-svg').first().isVisible(), true);
      assert.equal(await page.locator('[data-chart]:has(.main-svg)').count(), charts);
      // The flagged drives are listed.
      for (const d of data.flagged.drives.slice(0, 5))
        assert.ok((await page.locator('table.flagged').innerText()).includes(d.serial));
    } finally {
      await browser.close();
    }
  });

  test(
    'the PDF is valid: every page renders, and its text has the flagged serials and the fingerprint',
    { skip: hasPdfTools ? false : 'pdftoppm (poppler-utils) is not installed' },
    () => {
      const pdf = file('.pdf');
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
      assert.ok(pages >= 3);
      const out = join(dir, 'pages');
      execFileSync('mkdir', ['-p', out]);
      execFileSync('pdftoppm', ['-r', '30', '-png', pdf, join(out, 'p')]);
      assert.equal(readdirSync(out).filter((f) => f.endsWith('.png')).length, pages);
      const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
      const flagged = records(readFileSync(file('-flagged.csv'), 'utf8'));
      assert.ok(flagged.length > 0);
      // Page one is the summary for the swap crew: the drives to act on and the figures beside the rule.
      const [first] = text.split('\f');
      assert.match(first, /Summary/);
      assert.match(first, /Drives to act on now|No drive to act on/);
      assert.match(first, /Backblaze's rule/);
      for (const f of flagged.filter((r) => r.failed === '').slice(0, 15))
        assert.ok(first.includes(f.serial), f.serial);
      assert.doesNotMatch(first, /Source files|sha256/, 'provenance is in the appendix, not on page one');
      const flaggedPart = text.slice(text.indexOf('Flagged drives ('));
      for (const f of flagged) {
        // Each row on one line of its page: no table row cut in half by a page break.
        const line = flaggedPart.split('\n').find((l) => l.includes(f.serial));
        assert.ok(line, f.serial);
        // (A long model name may wrap inside its cell; its first word starts on the row's line.)
        assert.ok(
          line.includes(f.model.split(' ')[0]) &&
            line.includes(f.first_alert) &&
            line.includes(f.days_of_history),
          `row of ${f.serial} split: ${line}`,
        );
      }
      // The fingerprint is printed on every page (the footer).
      const fp = exported.fingerprint;
      const perPage = text.split('\f').filter((p) => p.trim() !== '');
      assert.equal(perPage.length, pages);
      for (const p of perPage) assert.ok(p.includes(fp), 'a page without the fingerprint');
    },
  );

  test('the summary comes first and the appendix last; every flagged drive has an outcome', async () => {
    const html = readFileSync(file('.html'), 'utf8');
    const at = (id: string): number => html.indexOf(`<section id="${id}">`);
    assert.ok(
      at('summary') >= 0 && at('summary') < at('queue') && at('queue') < at('threshold'),
      'summary first',
    );
    assert.match(html.slice(at('queue'), at('threshold')), /No run is in service/);
    assert.ok(!exported.files.some((f) => f.path.endsWith('-queue.csv')), 'no queue, no queue CSV');
    assert.ok(at('results') < at('flagged') && at('flagged') < html.indexOf('id="appendix"'));
    assert.ok(html.indexOf('id="appendix"') < at('dataset') && at('dataset') < at('model'), 'the appendix');
    const data = await engine.call('report/build', { runId, far: 0.05, bootstrap: 0 });
    const healthy = data.flagged.drives.filter((f) => !f.failed);
    assert.ok(
      healthy.length > 0 && healthy.length < data.flagged.drives.length,
      'flagged drives of both outcomes',
    );
    const flagged = records(readFileSync(file('-flagged.csv'), 'utf8'));
    for (const f of flagged) {
      const d = data.flagged.drives.find((x) => x.serial === f.serial)!;
      assert.equal(f.outcome, d.failed ? `failed ${d.failed}` : `healthy through ${d.lastDay}`);
      assert.ok(html.includes(`<td>${f.outcome}</td>`), `the HTML says ${f.outcome} for ${f.serial}`);
    }
    const lastDays = engine.db.prepare('SELECT serial, last_day FROM drives').raw().all() as [
      string,
      number,
    ][];
    const lastOf = new Map(lastDays.map(([s, d]) => [s, formatDay(d)]));
    for (const d of healthy) assert.equal(d.lastDay, lastOf.get(d.serial));
    // The summary lists the drives still in the data, worst first, with their first alert and top attribute.
    const summary = html.slice(at('summary'), at('threshold'));
    assert.match(summary, new RegExp(`Drives to act on now \\(${healthy.length}\\)`));
    assert.ok(summary.includes(healthy[0].serial) && summary.includes(healthy[0].firstAlert));
    assert.ok(!data.flagged.drives.filter((f) => f.failed).some((f) => summary.includes(f.serial)));
  });

  test("the drives to act on are the fleet's: every drive the run scored that reaches the threshold, not only the test drives", async () => {
    const data = await engine.call('report/build', { runId, far: 0.05, bootstrap: 0 });
    const t = Math.fround(data.threshold.value);
    const rows = engine.db
      .prepare(
        'SELECT d.serial, s.split, s.end_days AS e, s.window_scores AS w FROM scores s JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ?',
      )
      .all(runId) as { serial: string; split: number; e: Buffer; w: Buffer }[];
    const expected = new Map<string, { score: number; firstAlert: string; split: number }>();
    for (const r of rows) {
      const scores = new Float32Array(r.w.buffer.slice(r.w.byteOffset, r.w.byteOffset + r.w.byteLength));
      const ends = new Int32Array(r.e.buffer.slice(r.e.byteOffset, r.e.byteOffset + r.e.byteLength));
      const first = scores.findIndex((v) => v >= t);
      if (first >= 0)
        expected.set(r.serial, {
          score: Math.max(...scores),
          firstAlert: formatDay(ends[first]),
          split: r.split,
        });
    }
    assert.equal(data.flagged.total, expected.size);
    for (const d of data.flagged.drives) {
      const e = expected.get(d.serial);
      assert.ok(e, `${d.serial} does not reach the threshold`);
      assert.equal(d.firstAlert, e.firstAlert);
      assert.equal(Math.fround(d.score), Math.fround(e.score));
    }
    assert.ok(
      [...expected.values()].some((e) => e.split !== 2),
      'drives the model trained on are flagged too: the crew acts on the whole fleet',
    );
    const scores = data.flagged.drives.map((d) => d.score);
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => b - a),
      'worst first',
    );
  });

  test('each CSV parses back to the numbers the Api returns', async () => {
    const data = await engine.call('report/build', { runId, far: 0.05, bootstrap: 50 });
    const flagged = records(readFileSync(file('-flagged.csv'), 'utf8'));
    assert.equal(flagged.length, data.flagged.total);
    flagged.forEach((f, i) => {
      const d = data.flagged.drives[i];
      assert.equal(f.serial, d.serial);
      assert.equal(Number(f.score), d.score);
      assert.equal(f.first_alert, d.firstAlert);
      assert.equal(Number(f.days_of_history), d.daysOfHistory);
    });
    const confusion = records(readFileSync(file('-confusion.csv'), 'utf8'));
    for (const level of ['drive', 'window'] as const) {
      const row = confusion.find((c) => c.level === level)!;
      const at = await engine.call('eval/at', { runId, level, threshold: data.threshold.value });
      assert.deepEqual(
        { tp: Number(row.tp), fp: Number(row.fp), tn: Number(row.tn), fn: Number(row.fn) },
        at.matrix,
      );
    }
    const metrics = records(readFileSync(file('-metrics.csv'), 'utf8'));
    const model = metrics.find((m) => m.source === 'model' && m.level === 'drive')!;
    assert.equal(numOrNull(model.recall), data.results.drive.recall);
    assert.equal(numOrNull(model.false_alarm_rate), data.results.drive.far);
    assert.equal(numOrNull(model.average_precision), data.results.drive.averagePrecision);
    assert.equal(numOrNull(model.recall_lo), data.results.drive.intervals.recall?.[0] ?? null);
    assert.deepEqual(
      metrics.filter((m) => m.source === 'baseline').map((m) => m.scorer),
      data.results.drive.baselines.map((b) => b.name),
    );
    // The threshold came from the 5% FAR preset: the false-alarm rate is at most 5%.
    assert.equal(data.threshold.chosenBy, 'far');
    assert.ok(data.results.drive.far! <= 0.05);
  });

  test('the threshold chosen in the Threshold tab survives a restart, and the report says how it was chosen', async () => {
    const far = await engine.call('eval/preset', {
      runId,
      level: 'drive',
      preset: { kind: 'far', far: 0.02 },
    });
    const t = far.metrics.threshold;
    const reason = 'the lowest threshold with at most 2% false alarms';
    await engine.call('runs/threshold', { runId, threshold: t, level: 'drive', chosenBy: 'far', reason });
    // Another engine on the same file (an app restart) reads it back.
    const again = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli' });
    try {
      const run = (await again.call('runs/list', {})).find((r) => r.id === runId)!;
      assert.deepEqual(
        {
          threshold: run.chosenThreshold?.threshold,
          by: run.chosenThreshold?.chosenBy,
          reason: run.chosenThreshold?.reason,
        },
        { threshold: t, by: 'far', reason },
      );
      assert.equal(run.resumable, false, 'a finished run offers no resume');
    } finally {
      await again.close();
    }
    const same = await engine.call('report/build', {
      runId,
      threshold: t,
      bootstrap: 0,
      sections: ['threshold'],
    });
    assert.deepEqual([same.threshold.chosenBy, same.threshold.reason], ['far', reason]);
    const other = await engine.call('report/build', {
      runId,
      threshold: t * 1.5 + 1,
      bootstrap: 0,
      sections: ['threshold'],
    });
    assert.equal(other.threshold.chosenBy, 'given');
    await assert.rejects(
      engine.call('runs/threshold', {
        runId: 9999,
        threshold: 1,
        level: 'drive',
        chosenBy: 'slider',
        reason: 'x',
      }),
      (e: unknown) => e instanceof ApiError && e.code === 'not-found',
    );
  });

  test('a scored run carries its headline figures; a name and a note are kept and cleared', async () => {
    const listed = (await engine.call('runs/list', {})).find((r) => r.id === runId)!;
    const e = await engine.call('eval/report', { runId, level: 'drive', far: 0.01, bootstrap: 0 });
    assert.deepEqual(listed.evaluation, {
      averagePrecision: e.averagePrecision,
      detectionAtFar1: e.detectionAtFar.find((d) => d.far === 0.01)!.detection,
    });
    assert.equal(listed.searchId, null);
    const named = await engine.call('runs/annotate', {
      id: runId,
      name: '  baseline LSTM  ',
      note: 'first try',
    });
    assert.deepEqual([named.name, named.note], ['baseline LSTM', 'first try']);
    const renamed = await engine.call('runs/annotate', { id: runId, note: '' });
    assert.deepEqual([renamed.name, renamed.note], ['baseline LSTM', null], 'a note cleared, the name kept');
    await assert.rejects(
      engine.call('runs/annotate', { id: 9999, name: 'x' }),
      (err: unknown) => err instanceof ApiError && err.code === 'not-found',
    );
  });

  test('same data, weights and threshold: the same fingerprint; another threshold: another', async () => {
    const a = await engine.call('report/build', { runId, far: 0.05, bootstrap: 0, sections: ['threshold'] });
    const b = await engine.call('report/build', {
      runId,
      threshold: a.threshold.value,
      bootstrap: 0,
      sections: ['threshold'],
    });
    const c = await engine.call('report/build', { runId, threshold: a.threshold.value * 2, bootstrap: 0 });
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(a.fingerprint, c.fingerprint);
    assert.equal(a.fingerprint, exported.fingerprint);
  });

  test('a threshold no drive reaches: the report says so instead of an empty table', async () => {
    const out = join(dir, 'none');
    const r = await engine.call('report/export', {
      runId,
      threshold: 1e9,
      outDir: out,
      formats: ['html', 'csv'],
      bootstrap: 0,
    });
    const html = readFileSync(r.files.find((f) => f.format === 'html')!.path, 'utf8');
    assert.match(html, /No drive the run scored reaches the threshold/);
    assert.doesNotMatch(html, /<table class="flagged">/);
    const csv = records(readFileSync(r.files.find((f) => f.path.endsWith('-flagged.csv'))!.path, 'utf8'));
    assert.equal(csv.length, 0);
  });

  test('bad requests are refused plainly; an unscored run asks to be scored', async () => {
    await assert.rejects(
      engine.call('report/build', { runId, threshold: 1, far: 0.01 }),
      (e: ApiError) => e.code === 'bad-request' && /at most one of threshold, far and budget/.test(e.message),
    );
    const { jobId } = await engine.call('train/start', {
      config: { model: 'lstm-ae', units: 4, epochs: 1, maxWindowsPerEpoch: 64, windowDays: 7 },
    });
    const unscored = ((await engine.jobs.wait(jobId)).result as TrainResult).runId;
    await assert.rejects(
      engine.call('report/build', { runId: unscored }),
      (e: ApiError) => e.code === 'conflict' && /score it first/.test(e.message),
    );
    assert.equal(existsSync(join(dir, 'never')), false);
  });

  test('CSV fields with commas, quotes and line breaks are quoted', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(NaN), '');
    assert.deepEqual(parseCsv('x,"a,b"\r\n'), [['x', 'a,b']]);
  });

  test('CSV fields a spreadsheet would run as formulas are written as text; numbers stay numbers', () => {
    const evil = ['=HYPERLINK("https://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx'];
    const text = csv(['serial', 'score'], [...evil.map((e) => [e, -0.5]), ['ZA1-OK', 3]]);
    const rows = parseCsv(text).slice(1);
    rows.slice(0, evil.length).forEach((r, i) => {
      assert.equal(r[0], `'${evil[i]}`, `${JSON.stringify(evil[i])} is neutralised`);
      assert.equal(r[1], '-0.5', 'a negative number is a number');
    });
    assert.deepEqual(rows.at(-1), ['ZA1-OK', '3']);
  });
});
