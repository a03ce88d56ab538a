import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeInto, decodeSlot, decodeSlots, ReadingEncoder, sameReading } from './readings-codec';

test('values round-trip: integers as u32, the rest as f64, NaN as missing', () => {
  const enc = new ReadingEncoder();
  const v = new Float64Array([0, NaN, 4294967295, 1.5, -3, NaN, 281474976710655, 7]);
  const blob = Buffer.from(enc.encode(v, v.length));
  const out = new Float64Array(10);
  decodeInto(blob, out);
  assert.deepEqual([...out.subarray(0, 8)], [...v]);
  assert.ok(Number.isNaN(out[8]) && Number.isNaN(out[9]), 'slots past the blob are missing');
  // 2 header + 2 bitmaps + u32,u32,f64,f64,f64,u32
  assert.equal(blob.length, 2 + 2 + 4 + 4 + 8 + 8 + 8 + 4);
});

test('decodeSlots and decodeSlot read chosen columns only', () => {
  const enc = new ReadingEncoder();
  const v = new Float64Array(20).fill(NaN);
  v[3] = 5;
  v[11] = 2.25;
  v[19] = 1e12;
  const blob = Buffer.from(enc.encode(v, 20));
  const out = new Float32Array(4);
  decodeSlots(blob, Int32Array.from([2, 3, 11, 19]), out, 0);
  assert.ok(Number.isNaN(out[0]));
  assert.deepEqual([...out.subarray(1)], [5, 2.25, Math.fround(1e12)]);
  assert.equal(decodeSlot(blob, 11), 2.25);
  assert.equal(decodeSlot(blob, 4), null);
  assert.equal(decodeSlot(blob, 40), null);
});

test('blobs are self-delimiting: a run of them is walked by the offsets decodeSlots returns', () => {
  const enc = new ReadingEncoder();
  const a = Buffer.from(enc.encode(new Float64Array([1, NaN, 2.5, 4294967296]), 4));
  const b = Buffer.from(enc.encode(new Float64Array([NaN, 7, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 9]), 10));
  const run = Buffer.concat([a, b]);
  const out = new Float32Array(2);
  const next = decodeSlots(run, Int32Array.from([0, 3]), out, 0, 0);
  assert.equal(next, a.length);
  assert.deepEqual([...out], [1, 4294967296]);
  assert.equal(decodeSlots(run, Int32Array.from([1, 9]), out, 0, next), run.length);
  assert.deepEqual([...out], [7, 9]);
});

test('a row is encoded only up to the highest slot it fills: many rare columns cost rows nothing', () => {
  const values = new Float64Array(60_000).fill(NaN);
  values[3] = 7;
  const blob = new ReadingEncoder().encode(values, values.length);
  assert.equal(blob.length, 2 + 1 + 1 + 4, 'n, one presence byte, one wide byte, one u32');
  const out = new Float64Array(60_000);
  decodeInto(blob, out);
  assert.equal(out[3], 7);
  assert.ok(Number.isNaN(out[4]) && Number.isNaN(out[59_999]) && Number.isNaN(out[0]));
  assert.equal(new ReadingEncoder().encode(new Float64Array(10).fill(NaN), 10).length, 2);
});

test('two blobs of the same values are the same reading, whatever slots each covers', () => {
  const short = new Float64Array([1, NaN, 2.5]);
  const long = new Float64Array([1, NaN, 2.5, NaN, NaN, NaN, NaN, NaN, NaN, NaN]);
  const e = new ReadingEncoder();
  const a = Buffer.from(e.encode(short, 3));
  // An old-style blob covering 10 slots (as written before rows were trimmed at their last value).
  const old = Buffer.alloc(2 + 2 * 2 + 4 + 8);
  old.writeUInt16LE(10, 0);
  old[2] = 0b101;
  old[4] = 0b100;
  old.writeUInt32LE(1, 6);
  old.writeDoubleLE(2.5, 10);
  assert.notDeepEqual(a, old);
  assert.equal(sameReading(a, old), true);
  assert.equal(sameReading(a, Buffer.from(e.encode(long, 10))), true);
  const other = new Float64Array([1, 3, 2.5]);
  assert.equal(sameReading(a, Buffer.from(e.encode(other, 3))), false);
});
