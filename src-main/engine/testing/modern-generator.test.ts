import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { failureDay, modernHeader, RAMP_DAYS, writeModernDay } from './modern-generator';

const dir = mkdtempSync(join(tmpdir(), 'dt-modern-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** serial -> the fields of its row, for one generated day. */
async function day(dayIndex: number, drives: number, wearOut: { share: number; days: number }) {
  const path = join(dir, `d${dayIndex}.csv`);
  const rows = await writeModernDay({ path, date: '2023-10-01', drives, seed: 4, dayIndex, wearOut });
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(header, modernHeader());
  assert.equal(lines.length, rows, 'the count returned is the rows written');
  const col = (name: string): number => header.split(',').indexOf(name);
  return {
    rows,
    bySerialIndex: new Map(lines.map((l) => l.split(',')).map((f, i) => [f[col('serial_number')], { f, i }])),
    col,
  };
}

test('wearing-out drives climb, fail on their day and are gone after it', async () => {
  const wearOut = { share: 0.05, days: 20 };
  const drives = 2000;
  const schedule = Array.from({ length: drives }, (_, d) => failureDay(4, d, wearOut));
  const failing = schedule.filter((f) => f !== undefined).length;
  assert.ok(failing > 60 && failing < 140, `about 5% of drives fail: ${failing}`);
  const at = 15;
  const today = await day(at, drives, wearOut);
  const before = await day(at - 4, drives, wearOut);
  assert.equal(today.rows, drives - schedule.filter((f) => f !== undefined && f < at).length);
  const serial = (d: number): string => `ZL4${d.toString(36).toUpperCase().padStart(6, '0')}`;
  let climbing = 0;
  schedule.forEach((f, d) => {
    const row = today.bySerialIndex.get(serial(d));
    if (f !== undefined && f < at) return assert.equal(row, undefined, `drive ${d} failed on day ${f}: gone`);
    assert.ok(row, `drive ${d} reports on day ${at}`);
    assert.equal(row.f[today.col('failure')], f === at ? '1' : '0', `drive ${d}'s failure flag`);
    const reallocated = Number(row.f[today.col('smart_5_raw')] || 0);
    const earlier = Number(before.bySerialIndex.get(serial(d))?.f[before.col('smart_5_raw')] || 0);
    if (f !== undefined && f - at < RAMP_DAYS - 4 && row.f[today.col('smart_5_raw')] !== '') {
      climbing++;
      assert.ok(
        reallocated > earlier,
        `drive ${d} fails on day ${f}: SMART 5 climbs (${earlier} -> ${reallocated})`,
      );
    }
  });
  assert.ok(climbing > 5, `some reporting drives are climbing: ${climbing}`);
});
