import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError, parseHeader } from './header';

test('columns are mapped by name, whatever their order', () => {
  const h = parseHeader('serial_number,date,failure,model,capacity_bytes,smart_5_raw,pod_id');
  assert.equal(h.date, 1);
  assert.equal(h.serial, 0);
  assert.deepEqual(
    h.numeric.map((c) => [c.name, c.smart]),
    [
      ['smart_5_raw', true],
      ['pod_id', false],
    ],
  );
});

test('what is not a Backblaze header is refused with the reason', () => {
  assert.throws(() => parseHeader(undefined), /empty/);
  assert.throws(
    () => parseHeader('a,b,c'),
    (e: Error) => e instanceof FormatError && /lacks date/.test(e.message),
  );
  assert.throws(
    () => parseHeader('date;serial_number;model;capacity_bytes;failure'),
    /delimiter looks like ';'/,
  );
  assert.throws(() => parseHeader('\x00\x01\x02PK'), /binary/);
  assert.throws(() => parseHeader('date,serial_number,model,capacity_bytes,failure,date'), /twice/);
});
