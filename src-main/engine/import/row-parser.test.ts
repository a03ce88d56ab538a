import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeInto } from '../store/readings-codec';
import { parseHeader } from './header';
import { BatchBuilder } from './row-parser';

const HEADER =
  'date,serial_number,model,capacity_bytes,failure,datacenter,smart_1_raw,smart_5_raw,smart_9_normalized';

function parse(lines: string[]): ReturnType<BatchBuilder['take']> {
  const h = parseHeader(HEADER);
  const b = new BatchBuilder(h, Int32Array.from(h.numeric.map((_, i) => i)), h.numeric.length);
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
  assert.deepEqual(b.tags, [
    [0, '{"datacenter":"sac0"}'],
    [2, '{"datacenter":"phx1"}'],
  ]);
  assert.equal(b.rawText.slice(b.rawStart[1], b.rawEnd[1]).split(',')[1], 'S2');
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
