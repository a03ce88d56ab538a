import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { loadNative } from '../model/native/addon';
import { decodeInto } from '../store/readings-codec';
import { writeModernDay } from '../testing/modern-generator';
import { parseHeader } from './header';
import { ByteLineSplitter } from './lines';
import { BatchBuilder } from './row-parser';

const HEADER =
  'date,serial_number,model,capacity_bytes,failure,datacenter,smart_1_raw,smart_5_raw,smart_9_normalized';

function parse(lines: string[], useNative = true, header = HEADER): ReturnType<BatchBuilder['take']> {
  const h = parseHeader(header);
  const b = new BatchBuilder(h, Int32Array.from(h.numeric.map((_, i) => i)), h.numeric.length, useNative);
  const text = Buffer.from(lines.join('\n'), 'latin1');
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    ends.push(at + l.length);
    at += l.length + 1;
  }
  b.addLines(text, starts, ends, 2);
  return b.take();
}

function valuesOf(batch: ReturnType<typeof parse>, row: number): number[] {
  const start = row === 0 ? 0 : batch.blobEnd[row - 1];
  const out = new Float64Array(4);
  decodeInto(batch.blobs.subarray(start, batch.blobEnd[row]), out);
  return [...out];
}

test('numbers of every shape parse from the bytes; empty is missing; text extras become tags', () => {
  const b = parse([
    '2023-10-01,S1,ST4000DM000,4000787030016,0,sac0,123456789012345,0,100',
    '2023-10-01,S2,ST4000DM000,-1,1,,1234567890123456789,2.5,-3',
    '2023-10-01,"S,3",ST4000DM000,,0,phx1, 7 ,,',
  ]);
  assert.equal(b.rows, 3);
  assert.deepEqual(b.rejects, []);
  assert.deepEqual(valuesOf(b, 0), [NaN, 123456789012345, 0, 100]);
  assert.deepEqual(valuesOf(b, 1), [NaN, Number('1234567890123456789'), 2.5, -3]);
  assert.deepEqual(valuesOf(b, 2), [NaN, 7, NaN, NaN]);
  assert.deepEqual([...b.capacity.slice(0, 2)], [4000787030016, -1]);
  assert.ok(Number.isNaN(b.capacity[2]));
  assert.deepEqual([...b.failure], [0, 1, 0]);
  assert.deepEqual(b.serials.split('\n'), ['S1', 'S2', 'S,3']);
  assert.deepEqual([...b.tagRows], [0, 2]);
  assert.deepEqual(b.tagJson.split('\n'), ['{"datacenter":"sac0"}', '{"datacenter":"phx1"}']);
  assert.equal(Buffer.from(b.raw).toString('latin1', b.rawStart[1], b.rawEnd[1]).split(',')[1], 'S2');
});

test('dates that no reading can have are rejected by name: before 2000, after tomorrow, quoted or not', () => {
  const b = parse([
    '9999-12-31,S1,M,1,0,sac0,1,2,3',
    '1970-01-01,S2,M,1,0,sac0,1,2,3',
    '"1999-12-31",S3,M,1,0,sac0,1,2,3',
    '2000-01-01,S4,M,1,0,sac0,1,2,3',
  ]);
  assert.equal(b.rows, 1);
  assert.deepEqual(
    b.rejects.map((r) => r.line),
    [2, 3, 4],
  );
  for (const r of b.rejects)
    assert.match(r.reason, /outside the plausible range 2000-01-01 to \d{4}-\d{2}-\d{2}/);
  assert.match(b.rejects[0].reason, /^date 9999-12-31/);
});

test('a refused or quoted date never leaks its day into the next row with the date before it', () => {
  for (const useNative of [false, true]) {
    const b = parse(
      [
        '2023-10-01,S1,M,1,0,sac0,1,2,3',
        '9999-12-31,S2,M,1,0,sac0,1,2,3',
        '2023-10-01,S3,M,1,0,sac0,1,2,3',
        '"2023-10-02",S4,M,1,0,sac0,1,2,3',
        '2023-10-01,S5,M,1,0,sac0,1,2,3',
      ],
      useNative,
    );
    assert.deepEqual(b.serials.split('\n'), ['S1', 'S3', 'S4', 'S5']);
    const oct1 = Date.UTC(2023, 9, 1) / 86_400_000;
    assert.deepEqual([...b.day], [oct1, oct1, oct1 + 1, oct1], useNative ? 'native' : 'JavaScript');
  }
});

test('faults are named: column count first, then the field', () => {
  const b = parse([
    '2023-10-01,S1,M,1,0,sac0,1,x,3',
    '2023-10-01,S1,M,1,0,sac0,1,2',
    '2023-13-01,S1,M,1,0,sac0,1,2,3',
    '2023-10-01,S1,M,1,yes,sac0,1,2,3',
    '2023-10-01,,M,1,0,sac0,1,2,3',
    '2023-10-01,S1,M,1.5,0,sac0,1,2,3',
    '',
  ]);
  assert.equal(b.rows, 0);
  assert.equal(b.linesRead, 7);
  assert.deepEqual(
    b.rejects.map((r) => [r.line, r.reason]),
    [
      [2, 'non-numeric value "x" in smart_5_raw'],
      [3, 'expected 9 columns, found 8'],
      [4, 'bad date "2023-13-01" (expected YYYY-MM-DD)'],
      [5, 'failure must be 0 or 1, found "yes"'],
      [6, 'missing serial_number'],
      [7, 'capacity_bytes is not an integer'],
    ],
  );
});

/** Every line of a file through both parsers, the way the parse thread cuts it (chunks of 64 KiB). */
function bothWays(text: Buffer): {
  native: ReturnType<BatchBuilder['take']>;
  js: ReturnType<BatchBuilder['take']>;
} {
  const nl = text.indexOf(10);
  const header = parseHeader(text.toString('latin1', 0, text[nl - 1] === 13 ? nl - 1 : nl));
  const slots = Int32Array.from(header.numeric.map((_, i) => i));
  const run = (useNative: boolean): ReturnType<BatchBuilder['take']> => {
    const b = new BatchBuilder(header, slots, header.numeric.length, useNative);
    const split = new ByteLineSplitter();
    let line = 2;
    const body = text.subarray(nl + 1);
    for (let at = 0; at < body.length; at += 65_536) {
      const r = split.push(body.subarray(at, at + 65_536));
      b.addLines(r.buf, r.starts, r.ends, line, new Set(r.overlong));
      line += r.starts.length;
    }
    const r = split.end();
    b.addLines(r.buf, r.starts, r.ends, line);
    return b.take();
  };
  return { native: run(true), js: run(false) };
}

test("the native parser gives the JavaScript parser's batch on every kind of line, good or bad", (t) => {
  if (!loadNative().module) return t.skip(`native engine: ${loadNative().error}`);
  const lines = [
    '2023-10-01,S1,ST4000DM000,4000787030016,0,sac0,123456789012345,0,100',
    '2023-10-01,S2,ST4000DM000,-1,1,,1234567890123456789,2.5,-3',
    '2023-10-01,"S,3",ST4000DM000,,0,phx1, 7 ,,',
    '2023-10-01,S4,M,,0,,0x1A,1e3,.5',
    '2023-10-01,S5,M,,0,,1.,-0,00012',
    '2023-10-01, S6,M ,1,0,,1,2,3',
    '2023-10-01,S7\u00a0,M,1,0,,1,2,3',
    '2023-10-01,S8,,1,0,12,,,',
    '2023-10-01,S9,M,1,0,,Infinity,NaN,',
    '2023-02-29,S10,M,1,0,,1,2,3',
    '2024-02-29,S11,M,1,0,,1,2,3',
    '2023-10-01,S12,M,1,2,,1,2,3',
    '2023-10-01,S13,M,1.5,0,,1,2,3',
    '2023-10-01,S14,M,1,0,,1,2,3,',
    '2023-10-01,S15,M,1,0,,1,2',
    '',
    '1999-12-31,S16,M,1,0,,1,2,3',
    '9999-12-31,S17,M,1,0,,1,2,3',
    '2023-10-01,S18,M,1,0,sac0,4294967295,4294967296,0.1',
    '2023-10-01,S19,M,99999999999999999999,0,,123456789012345678901234567890,1,1',
    '2023-10-01,,M,1,0,,1,2,3',
    '2023-1-01,S20,M,1,0,,1,2,3',
    '2023-10-01,S21,M,1,0,,1,x,3',
    '2023-10-01,S1,ST4000DM000,4000787030016,0,sac0,123456789012345,0,100',
  ];
  const native = parse(lines, true);
  const js = parse(lines, false);
  assert.deepEqual(native, js);
  assert.ok(
    native.rows >= 10 && native.rejects.length >= 8,
    `${native.rows} rows, ${native.rejects.length} rejects`,
  );
});

test('the native parser gives the same batches as JavaScript on a real 2013 day and a generated 2023 day', async (t) => {
  if (!loadNative().module) return t.skip(`native engine: ${loadNative().error}`);
  const sample = gunzipSync(readFileSync(resolve(__dirname, '../../../resources/sample/2013-04-10.csv.gz')));
  const old = bothWays(sample);
  assert.equal(old.native.rows, 4679);
  assert.deepEqual(old.native, old.js);
  const dir = mkdtempSync(join(tmpdir(), 'dt-rows-'));
  try {
    const path = join(dir, 'day.csv');
    await writeModernDay({ path, date: '2023-10-01', drives: 3000, seed: 4 });
    const modern = bothWays(readFileSync(path));
    assert.equal(modern.native.rows, 3000);
    assert.ok(modern.native.tagRows.length > 0, 'the generated day has location columns');
    assert.deepEqual(modern.native, modern.js);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
