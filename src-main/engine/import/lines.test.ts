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

test('a line over the cap is delivered as over-long (its first bytes only), and the lines after it read on', () => {
  const splitter = new ByteLineSplitter(1000);
  const got: { text: string; overlong: boolean }[] = [];
  const take = (r: ReturnType<ByteLineSplitter['push']>): void =>
    r.starts.forEach((s, i) =>
      got.push({ text: r.buf.toString('latin1', s, r.ends[i]), overlong: r.overlong.includes(i) }),
    );
  take(splitter.push(Buffer.from('a,b\nhuge:')));
  // 50 chunks of 500 bytes with no newline: nothing is kept past the cap.
  for (let i = 0; i < 50; i++) {
    const r = splitter.push(Buffer.alloc(500, 120));
    take(r);
    assert.ok(r.buf.length <= 1500, `chunk ${i}: memory stays flat (${r.buf.length} bytes held)`);
  }
  take(splitter.push(Buffer.from('xx\nc,d\n' + 'y'.repeat(3000) + '\ne,f')));
  take(splitter.end());
  assert.deepEqual(
    got.map((g) => [g.text.slice(0, 8), g.text.length, g.overlong]),
    [
      ['a,b', 3, false],
      ['huge:xxx', 200, true],
      ['c,d', 3, false],
      ['yyyyyyyy', 200, true],
      ['e,f', 3, false],
    ],
  );
});
