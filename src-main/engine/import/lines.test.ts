import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteLineSplitter } from './lines';

function collect(chunks: string[]): string[] {
  const splitter = new ByteLineSplitter();
  const out: string[] = [];
  const take = (r: ReturnType<ByteLineSplitter['push']>): void => {
    r.starts.forEach((s, i) => out.push(r.buf.toString('latin1', s, r.ends[i])));
  };
  for (const c of chunks) take(splitter.push(Buffer.from(c, 'latin1')));
  take(splitter.end());
  return out;
}

test('CRLF and LF, a BOM, lines split across chunks, no trailing newline', () => {
  assert.deepEqual(collect(['\xef\xbb\xbfa,b\r\n1,', '2\r\n3,4']), ['a,b', '1,2', '3,4']);
  assert.deepEqual(collect(['a\n', 'b\n']), ['a', 'b']);
  assert.deepEqual(collect(['a\r', '\nb\r\n']), ['a', 'b']);
  assert.deepEqual(collect(['', '\n', 'x']), ['', 'x']);
  assert.deepEqual(collect([]), []);
});
