import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobInfo, TrainResult, UpdateResult } from '../api-types';
import { Engine } from '../engine';
import { formatDay } from '../import/row-fields';
import { loadNative } from '../model/native/addon';
import { crossings } from './alerts';
import { SAMPLE, SAMPLE_DAYS as DAYS } from '../testing/sample';
import { RunWindows, type ScoreBlobs } from '../model/score-store';

const skip = loadNative().module ? false : `the native engine is not built: ${loadNative().error}`;

test('crossings: a drive alerts when it reaches the threshold, and again only after falling below it', () => {
  const ends = [1, 2, 3, 4, 5, 6, 7];
  const scores = [0.1, 0.5, 0.6, 0.2, 0.5, 0.5, 0.1];
  assert.deepEqual(crossings(ends, scores, 0.5, null), [1, 4]);
  assert.deepEqual(
    crossings(ends, scores, 0.5, { from: 3, to: 7 }),
    [4],
    'window 3 continues the alert of window 2',
  );
  assert.deepEqual(crossings([1], [0.9], 0.5, null), [0], "a drive's first window can alert");
  // Stored scores are float32: a threshold equal to a stored score crosses it.
  assert.deepEqual(crossings([1], [Math.fround(0.3)], 0.3, null), [0]);
  assert.deepEqual(crossings(ends, scores, 0.7, null), []);
});

describe('the daily triage loop', { skip }, () => {
  let dir: string;
  let dbPath: string;
  let engine: Engine;
  let runId: number;
  let threshold: number;
  const wait = async (jobId: string): Promise<JobInfo> => {
    const job = await engine.jobs.wait(jobId);
    assert.equal(job.state, 'done', job.error ?? '');
    return job;
  };
  /** Every (serial, day) that crosses the threshold in the stored scores, counted by hand. */
  const crossingsByHand = (): Set<string> => {
    const rows = engine.db
      .prepare(
        'SELECT d.serial, s.drive_id, s.end_days, s.window_scores FROM scores s JOIN drives d ON d.id = s.drive_id WHERE run_id = ?',
      )
      .all(runId) as (ScoreBlobs & { serial: string; drive_id: number })[];
    const out = new Set<string>();
    const t = Math.fround(threshold);
    const stored = new RunWindows(engine.db, runId);
    for (const row of rows) {
      const serial = row.serial;
      const { ends, scores: s } = stored.of(row.drive_id, row);
      for (let i = 0; i < s.length; i++)
        if (s[i] >= t && !(i > 0 && s[i - 1] >= t)) out.add(`${serial} ${formatDay(ends[i])}`);
    }
    return out;
  };
  const storedAlerts = (serviceId: number): Set<string> =>
    new Set(
      (
        engine.db
          .prepare(
            'SELECT d.serial, a.day FROM alerts a JOIN drives d ON d.id = a.drive_id WHERE a.service_id = ?',
          )
          .raw()
          .all(serviceId) as [string, number][]
      ).map(([s, d]) => `${s} ${formatDay(d)}`),
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-triage-'));
    dbPath = join(dir, 'w.sqlite');
    engine = new Engine({ dbPath, mode: 'cli', samplePath: SAMPLE });
    await wait((await engine.call('import/start', { paths: DAYS.slice(0, 30) })).jobId);
    const trained = await wait(
      (await engine.call('train/start', { config: { model: 'gbdt', rounds: 20, folds: 0 } })).jobId,
    );
    runId = (trained.result as TrainResult).runId;
    await wait((await engine.call('runs/score', { id: runId })).jobId);
    // A threshold that about 2% of drives reach.
    const top = engine.db
      .prepare('SELECT max_score FROM scores WHERE run_id = ? ORDER BY max_score DESC')
      .pluck()
      .all(runId) as number[];
    threshold = top[Math.floor(top.length * 0.02)];
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a run goes in service with a threshold, and its alerts over the data so far are raised', async () => {
    await assert.rejects(engine.call('triage/put-in-service', { runId }), /no chosen threshold/);
    await engine.call('runs/threshold', {
      runId,
      threshold,
      level: 'drive',
      chosenBy: 'far',
      reason: '2% of drives flagged',
    });
    const { service, jobId } = await engine.call('triage/put-in-service', {
      runId,
      why: 'first model in service',
    });
    assert.equal(service.threshold, threshold);
    assert.equal(service.chosenBy, 'run');
    assert.equal(service.reason, '2% of drives flagged');
    const result = (await wait(jobId)).result as UpdateResult;
    assert.equal(result.mode, 'none', 'the run was scored after the last import: nothing to score');
    assert.deepEqual(storedAlerts(service.id), crossingsByHand());
    const q = await engine.call('triage/queue', {});
    assert.ok(q.counts.pending > 5, `drives to review (${q.counts.pending})`);
    // A drive that failed after its alert is closed as confirmed by the data, not left in the queue.
    const all = await engine.call('triage/queue', { show: 'all', limit: 5000 });
    const failed = all.rows.filter((r) => r.failureDay !== null && r.failureDay >= r.day);
    assert.ok(failed.length > 0, 'some alerted drives failed later in the sample');
    for (const r of failed) {
      assert.equal(r.pending, false);
      assert.equal(r.review?.verdict, 'confirmed');
      assert.equal(r.review?.source, 'data');
    }
    const { current, history } = await engine.call('triage/service', {});
    assert.equal(current?.id, service.id);
    assert.equal(
      current?.scoredThrough,
      formatDay(engine.db.prepare('SELECT max(day) FROM readings').pluck().get() as number),
    );
    assert.equal(current?.pendingReadings, 0);
    assert.equal(history.length, 1);
  });

  test('each new day imported is scored after the import and raises exactly its new crossings', async () => {
    const serviceId = (await engine.call('triage/service', {})).current!.id;
    for (const file of DAYS.slice(30, 34)) {
      const before = storedAlerts(serviceId);
      const pendingBefore = (await engine.call('triage/queue', {})).counts.pending;
      const imported = await wait((await engine.call('import/start', { paths: [file] })).jobId);
      assert.ok(imported.followUpJobId, 'the import started the update');
      const update = (await wait(imported.followUpJobId)).result as UpdateResult;
      assert.equal(update.mode, 'incremental');
      const after = storedAlerts(serviceId);
      assert.deepEqual(after, crossingsByHand(), file);
      const added = [...after].filter((a) => !before.has(a)).sort();
      assert.deepEqual(update.alerts.map((a) => `${a.serial} ${a.day}`).sort(), added);
      assert.equal(update.raised.open, added.length);
      // Each new alert puts its drive in the queue by that alert (a drive is listed once, by its latest alert),
      // unless the drive failed in the data, which closed it.
      const q = await engine.call('triage/queue', { show: 'all', limit: 5000 });
      for (const key of added) {
        const row = q.rows.find((r) => `${r.serial} ${r.day}` === key);
        assert.ok(row, key);
        assert.equal(row.pending, row.failureDay === null, key);
      }
      assert.ok(
        q.counts.pending >= pendingBefore - update.closedByFailure,
        'only a failure in the data closes an alert by itself',
      );
    }
  });

  test('an update that fails midway changes nothing, and the next one raises the same alerts', async () => {
    const serviceId = (await engine.call('triage/service', {})).current!.id;
    const state = () => ({
      alerts: [...storedAlerts(serviceId)].sort(),
      runMark: engine.db.prepare('SELECT scored_rowid FROM runs WHERE id = ?').pluck().get(runId),
      serviceMark: engine.db.prepare('SELECT scored_rowid FROM service WHERE id = ?').pluck().get(serviceId),
      windows: engine.db.prepare('SELECT sum(windows) FROM scores WHERE run_id = ?').pluck().get(runId),
    });
    const before = state();
    // The last write of an update fails (a full disk, say): the service's mark cannot move.
    engine.db.exec(`CREATE TRIGGER full_disk BEFORE UPDATE OF scored_rowid ON service
                    BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    const imported = await wait((await engine.call('import/start', { paths: [DAYS[34]] })).jobId);
    const failed = await engine.jobs.wait(imported.followUpJobId!);
    assert.equal(failed.state, 'failed');
    assert.match(failed.error ?? '', /database or disk is full/);
    assert.deepEqual(state(), before, 'no score, alert or mark of the failed update was kept');
    engine.db.exec('DROP TRIGGER full_disk');
    const update = (await wait((await engine.call('triage/update', {})).jobId)).result as UpdateResult;
    assert.equal(update.mode, 'incremental');
    assert.ok((state().windows as number) > (before.windows as number), 'the day is scored now');
    assert.deepEqual(storedAlerts(serviceId), crossingsByHand());
    assert.ok(update.raised.open > 0, 'the day raised alerts');
    assert.equal(update.raised.open, storedAlerts(serviceId).size - before.alerts.length);
  });

  test('the queue pages: its pages put together are the whole list, newest first, and the counts add up', async () => {
    const whole = await engine.call('triage/queue', { show: 'all', limit: 5000 });
    const { counts } = whole;
    assert.equal(whole.total, counts.all);
    assert.equal(counts.all, counts.pending + counts.reviewed + counts.muted + counts['over-budget']);
    assert.equal(whole.rows.length, counts.all);
    assert.ok(counts.all > 14, `alerting drives: ${counts.all}`);
    const paged = [];
    for (let offset = 0; offset < whole.total; offset += 7)
      paged.push(...(await engine.call('triage/queue', { show: 'all', offset, limit: 7 })).rows);
    assert.deepEqual(
      paged.map((r) => r.alertId),
      whole.rows.map((r) => r.alertId),
    );
    whole.rows.forEach((r, i) => {
      const prev = whole.rows[i - 1];
      if (prev)
        assert.ok(
          prev.day > r.day || (prev.day === r.day && prev.score / prev.threshold >= r.score / r.threshold),
          `row ${i} is in order`,
        );
    });
    assert.equal(new Set(whole.rows.map((r) => r.serial)).size, whole.rows.length, 'a drive is listed once');
    const pending = await engine.call('triage/queue', { limit: 5 });
    assert.equal(pending.total, counts.pending);
    assert.ok(pending.rows.length === Math.min(5, counts.pending) && pending.rows.every((r) => r.pending));
  });

  test('the report prints the queue under the run in service; its CSV holds every drive waiting', async () => {
    const q = await engine.call('triage/queue', { limit: 5000 });
    assert.ok(q.rows.length > 0);
    const data = await engine.call('report/build', { runId, threshold, bootstrap: 0 });
    assert.equal(data.queue?.serviceRunId, runId);
    assert.deepEqual(data.queue.counts, q.counts);
    assert.deepEqual(
      data.queue.rows.map((r) => r.alertId),
      q.rows.map((r) => r.alertId),
    );
    const out = await engine.call('report/export', {
      runId,
      threshold,
      bootstrap: 0,
      outDir: join(dir, 'report'),
      formats: ['html', 'csv'],
    });
    const csvFile = out.files.find((f) => f.path.endsWith('-queue.csv'))!;
    const lines = readFileSync(csvFile.path, 'utf8').trim().split('\n');
    assert.equal(lines.length, q.rows.length + 1, 'a header and a line per drive waiting');
    assert.ok(lines[1].startsWith(`${q.rows[0].serial},`));
    const html = readFileSync(out.files.find((f) => f.format === 'html')!.path, 'utf8');
    const section = html.slice(
      html.indexOf('<section id="queue">'),
      html.indexOf('<section id="threshold">'),
    );
    assert.match(section, new RegExp(`<b>${q.counts.pending}</b> drives? waiting for a verdict`));
    assert.ok(section.includes(q.rows[0].serial));
  });

  test('verdicts take drives off the queue, snoozes bring them back, and all of it survives a restart', async () => {
    const q = await engine.call('triage/queue', {});
    assert.ok(q.rows.length >= 3);
    const [a, b, c] = q.rows;
    await engine.call('triage/review', {
      alertIds: [a.alertId],
      verdict: 'false-alarm',
      note: 'cable swapped',
    });
    await engine.call('triage/review', { alertIds: [b.alertId], verdict: 'snoozed', snoozeDays: 1 });
    await engine.call('triage/review', { alertIds: [c.alertId], verdict: 'note', note: 'ask the site' });
    await assert.rejects(
      engine.call('triage/review', { alertIds: [b.alertId], verdict: 'snoozed' }),
      /snoozeDays/,
    );
    await assert.rejects(
      engine.call('triage/review', { alertIds: [999_999], verdict: 'acknowledged' }),
      /no alert with id 999999/,
    );
    const after = await engine.call('triage/queue', {});
    const pending = new Set(after.rows.map((r) => r.serial));
    assert.equal(after.counts.pending, q.counts.pending - 2);
    assert.ok(!pending.has(a.serial) && !pending.has(b.serial));
    assert.ok(pending.has(c.serial), 'a note alone decides nothing');
    // Restart: the verdicts are in the workspace, not in memory.
    await engine.close();
    engine = new Engine({ dbPath, mode: 'cli', samplePath: SAMPLE });
    const reopened = await engine.call('triage/queue', {});
    assert.deepEqual(reopened.counts, after.counts);
    const reviews = await engine.call('triage/reviews', { serial: a.serial });
    assert.equal(reviews[0].verdict, 'false-alarm');
    assert.equal(reviews[0].note, 'cable swapped');
    // A day of data later the one-day snooze still holds; a second day and the drive is back.
    const importDay = async (file: string): Promise<void> => {
      const imported = await wait((await engine.call('import/start', { paths: [file] })).jobId);
      await wait(imported.followUpJobId!);
    };
    await importDay(DAYS[35]);
    const snoozed = await engine.call('triage/queue', { limit: 5000 });
    if (!crossingsAfterReview(b.serial, b.day))
      assert.ok(!snoozed.rows.some((r) => r.serial === b.serial), 'snoozed for a day');
    await importDay(DAYS[36]);
    const later = await engine.call('triage/queue', { limit: 5000 });
    assert.ok(
      later.rows.some((r) => r.serial === b.serial),
      'the snoozed drive is back in the queue',
    );
    assert.ok(
      !later.rows.some((r) => r.serial === a.serial && r.day === a.day),
      'the false alarm stays reviewed',
    );
    // Bulk: acknowledge everything pending.
    await engine.call('triage/review', {
      alertIds: later.rows.map((r) => r.alertId),
      verdict: 'acknowledged',
    });
    assert.equal((await engine.call('triage/queue', {})).counts.pending, 0);
  });

  test('alert rules: a daily budget across drive models, quiet attributes, and the CSV for the swap crew', async () => {
    const top = (await engine.call('triage/queue', { show: 'all', limit: 1 })).rows[0];
    assert.ok(top.top.length > 0, 'trees name the attributes behind an alert');
    await engine.call('triage/configure', { dailyBudget: 1, quiet: { [top.model]: [top.top[0].feature] } });
    // A new service raises its alerts again under the new rules.
    const { service, jobId } = await engine.call('triage/put-in-service', {
      runId,
      why: 'budget of 1 a day',
    });
    await wait(jobId);
    const openPerDay = engine.db
      .prepare("SELECT day, count(*) AS n FROM alerts WHERE service_id = ? AND state = 'open' GROUP BY day")
      .all(service.id) as { n: number }[];
    assert.ok(
      openPerDay.every((d) => d.n <= 1),
      'at most one new alert a day',
    );
    const all = await engine.call('triage/queue', { show: 'all', limit: 5000 });
    assert.ok(all.counts['over-budget'] > 0);
    assert.ok(all.counts.muted > 0);
    for (const r of all.rows.filter((r) => r.state === 'muted')) {
      assert.equal(r.model, top.model);
      assert.equal(r.top[0].feature, top.top[0].feature);
    }
    const history = (await engine.call('triage/service', {})).history;
    assert.equal(history.length, 2);
    assert.ok(history[1].endedAt !== null, 'the first service ended when the second began');
    const pending = await engine.call('triage/queue', {});
    const exported = await engine.call('triage/export', {});
    const lines = exported.csv.trim().split('\r\n');
    assert.equal(lines[0].split(',')[0], 'serial');
    assert.equal(lines.length - 1, pending.counts.pending);
    assert.equal(exported.rows, pending.counts.pending);
    assert.match(exported.fileName, /^drive-triage-queue-pending-\d{4}-\d{2}-\d{2}\.csv$/);
    await engine.call('triage/configure', { dailyBudget: null, quiet: {} });
    assert.deepEqual(await engine.call('triage/settings', {}), {
      autoScore: true,
      dailyBudget: null,
      quiet: {},
      falseAlarmHoldDays: 30,
    });
  });

  test('with automatic scoring off, an import leaves the new days for an update asked for', async () => {
    await engine.call('triage/configure', { autoScore: false });
    const imported = await wait((await engine.call('import/start', { paths: [DAYS[37]] })).jobId);
    assert.equal(imported.followUpJobId, undefined);
    assert.ok((await engine.call('triage/service', {})).current!.pendingReadings > 4000);
    const update = (await wait((await engine.call('triage/update', {})).jobId)).result as UpdateResult;
    assert.equal(update.mode, 'incremental');
    assert.equal((await engine.call('triage/service', {})).current!.pendingReadings, 0);
    await engine.call('triage/retire', { why: 'model drifted' });
    await assert.rejects(engine.call('triage/update', {}), /no run is in service/);
    assert.equal((await engine.call('triage/queue', {})).service, null);
  });

  /** Whether a drive crossed again after `day` (then it is back as a new alert, not as the snoozed one). */
  function crossingsAfterReview(serial: string, day: string): boolean {
    return [...crossingsByHand()].some((k) => k.startsWith(`${serial} `) && k.slice(serial.length + 1) > day);
  }
});

describe('verdicts feed the evaluation', { skip }, () => {
  let dir: string;
  let engine: Engine;
  let runId: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-verdicts-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
    const wait = async (id: string): Promise<JobInfo> => engine.jobs.wait(id);
    await wait((await engine.call('import/start', { paths: DAYS.slice(0, 30) })).jobId);
    const trained = await wait(
      (await engine.call('train/start', { config: { model: 'gbdt', rounds: 20, folds: 0 } })).jobId,
    );
    runId = (trained.result as TrainResult).runId;
    await wait((await engine.call('runs/score', { id: runId })).jobId);
    const top = engine.db
      .prepare('SELECT max_score FROM scores WHERE run_id = ? ORDER BY max_score DESC')
      .pluck()
      .all(runId) as number[];
    await wait(
      (await engine.call('triage/put-in-service', { runId, threshold: top[Math.floor(top.length * 0.1)] }))
        .jobId,
    );
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the Threshold tab's figures on the analysts' verdicts, or on both, as counted by hand", async () => {
    // Test-split drives with an alert (each by its latest), and whether they failed in the data.
    const alerted = engine.db
      .prepare(
        `SELECT a.id, a.drive_id, d.failure_day FROM alerts a JOIN drives d ON d.id = a.drive_id
         JOIN scores s ON s.run_id = ? AND s.drive_id = a.drive_id WHERE s.split = 2
           AND a.day = (SELECT max(day) FROM alerts b WHERE b.drive_id = a.drive_id) ORDER BY a.id`,
      )
      .all(runId) as { id: number; drive_id: number; failure_day: number | null }[];
    const healthy = alerted.filter((a) => a.failure_day === null);
    assert.ok(healthy.length >= 3, `alerted healthy test drives (${healthy.length})`);
    // Drives that failed after their alert were closed as confirmed by the data: positives already.
    const confirmedByData = alerted.length - healthy.length;
    if (confirmedByData === 0)
      await assert.rejects(
        engine.call('eval/overview', { runId, labels: 'verdicts' }),
        /no drive .* has a verdict that counts/,
      );
    const [replaced, falseAlarm, acknowledged] = healthy;
    await engine.call('triage/review', { alertIds: [replaced.id], verdict: 'replaced' });
    await engine.call('triage/review', { alertIds: [falseAlarm.id], verdict: 'false-alarm' });
    await engine.call('triage/review', { alertIds: [acknowledged.id], verdict: 'acknowledged' });
    // A false alarm counts once the data has run 30 days past it: not yet.
    const early = await engine.call('eval/overview', { runId, labels: 'verdicts' });
    assert.deepEqual(early.drives, { positives: 1 + confirmedByData, negatives: 0 });
    assert.equal(early.labels, 'verdicts');
    assert.match(
      early.evaluationSet,
      /labelled by the analysts' verdicts only \(\d+ confirmed failing or replaced, 0 false alarms held 30 days\)/,
    );
    await engine.call('triage/configure', { falseAlarmHoldDays: 0 });
    const held = await engine.call('eval/overview', { runId, labels: 'verdicts' });
    assert.deepEqual(held.drives, { positives: 1 + confirmedByData, negatives: 1 });
    assert.equal(held.fleet.scale, null, 'drives picked by their alerts do not stand for the fleet');
    // Both: the data's labels, with the replaced drive (healthy in the data) counted as failed.
    const data = await engine.call('eval/overview', { runId });
    const both = await engine.call('eval/overview', { runId, labels: 'both' });
    assert.equal(data.labels, 'data');
    assert.equal(both.fleet.scale, data.fleet.scale, 'relabelled, the same drives stand for the fleet');
    assert.deepEqual(both.drives, {
      positives: data.drives.positives + 1,
      negatives: data.drives.negatives - 1,
    });
    // The report says which labels it used.
    const report = await engine.call('eval/report', { runId, labels: 'both', bootstrap: 0 });
    assert.equal(report.labels, 'both');
    assert.match(report.evaluationSet, /the data's failures and the analysts' verdicts/);
  });

  test('nearest failed drives: the same ranking and distances as a brute-force search over drives/series', async () => {
    const q = await engine.call('triage/queue', { show: 'all', limit: 1 });
    const serial = q.rows[0].serial;
    const near = await engine.call('triage/nearest', { serial, k: 5 });
    assert.equal(near.neighbours.length, 5);
    // A run's stored settings are resolved: every field has its value.
    const run = (await engine.call('runs/get', { id: runId })).config as {
      windowDays: number;
      horizonDays: number;
      attributes: string[];
    };
    const S = run.windowDays;
    const H = run.horizonDays;
    const attrs = [...new Set(run.attributes.map((a) => a.replace(/:change$/, '')))];
    const dayNo = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
    /** A drive's values on days [from, to], NaN where missing, from the Api's own series. */
    const cells = async (s: string, from: number, to: number): Promise<number[][]> => {
      const series = await engine.call('drives/series', { serial: s, attributes: attrs });
      const out = Array.from({ length: to - from + 1 }, () => attrs.map(() => NaN));
      series.days.forEach((d, i) => {
        const at = dayNo(d) - from;
        if (at >= 0 && at < out.length)
          attrs.forEach((_, k) => (out[at][k] = series.series[k].values[i] ?? NaN));
      });
      return out;
    };
    const me = (await engine.call('drives/list', { search: serial, limit: 1 })).rows[0];
    const mine = await cells(serial, dayNo(me.lastDay) - S + 1, dayNo(me.lastDay));
    const failed = (await engine.call('drives/list', { status: 'failed', limit: 5000 })).rows.filter(
      (d) => d.serial !== serial,
    );
    const paths = await Promise.all(
      failed.map(async (f) => ({
        f,
        days: await cells(f.serial, dayNo(f.failureDay!) - H - S + 1, dayNo(f.failureDay!)),
      })),
    );
    const log = (v: number): number => Math.sign(v) * Math.log1p(Math.abs(v));
    const all = [mine, ...paths.map((p) => p.days)].flat();
    const mean = attrs.map((_, k) => {
      const v = all
        .map((r) => r[k])
        .filter((x) => !Number.isNaN(x))
        .map(log);
      return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    });
    const sd = attrs.map((_, k) => {
      const v = all
        .map((r) => r[k])
        .filter((x) => !Number.isNaN(x))
        .map(log);
      const m = mean[k];
      const variance = v.reduce((a, b) => a + b * b, 0) / Math.max(1, v.length) - m * m;
      return variance > 1e-12 ? Math.sqrt(variance) : 1;
    });
    const brute = paths
      .map(({ f, days }) => {
        let best = Infinity;
        for (let e = S - 1; e < H + S; e++) {
          let sum = 0;
          let n = 0;
          for (let d = 0; d < S; d++)
            attrs.forEach((_, k) => {
              const a = mine[d][k];
              const b = days[e - S + 1 + d][k];
              if (Number.isNaN(a) || Number.isNaN(b)) return;
              sum += ((log(a) - mean[k]) / sd[k] - (log(b) - mean[k]) / sd[k]) ** 2;
              n++;
            });
          if (n >= (S * attrs.length) / 2) best = Math.min(best, Math.sqrt(sum / n));
        }
        return { serial: f.serial, distance: best };
      })
      .filter((b) => Number.isFinite(b.distance))
      .sort((a, b) => a.distance - b.distance);
    assert.equal(near.candidates, brute.length);
    assert.deepEqual(
      near.neighbours.map((n) => n.serial),
      brute.slice(0, 5).map((b) => b.serial),
    );
    near.neighbours.forEach((n, i) => assert.ok(Math.abs(n.distance - brute[i].distance) < 1e-9));
    for (const n of near.neighbours) {
      assert.ok(n.daysBeforeFailure >= 0 && n.daysBeforeFailure <= H);
      assert.ok(n.path.daysBefore.every((d) => d <= 0));
    }
    assert.ok(near.path.scores.length > 0, "the drive's own path");
    await assert.rejects(engine.call('triage/nearest', { serial: 'NO-SUCH' }), /no drive with serial number/);
  });
});
