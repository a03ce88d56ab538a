import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration, progressLine } from './progress-bar';

test('durations round to the second first ("2m00s", never "1m60s"); the line shows rows, rate and ETA', () => {
  assert.equal(duration(119.6), '2m00s');
  assert.equal(duration(59.5), '1m00s');
  assert.equal(duration(7), '7s');
  assert.equal(duration(3725), '1h02m');
  assert.equal(duration(null), '--');
  const line = progressLine({
    fraction: 0.5,
    bytesDone: 5,
    bytesTotal: 10,
    rowsDone: 12345,
    rowsPerSec: 1000.4,
    etaSec: 119.6,
    currentFile: 'a.csv',
    filesDone: 0,
    filesTotal: 1,
  });
  assert.match(line, /^\[#{14}-{14}\] {2}50\.0% {2}12,345 rows {2}1,000 rows\/s {2}ETA 2m00s {2}a\.csv$/);
});
