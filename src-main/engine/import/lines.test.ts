import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readLines } from './lines';

async function collect(chunks: string[]): Promise<string[]> {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const c of chunks) yield Buffer.from(c, 'latin1');
  }
  const out: string[] = [];
  for await (const batch of readLines(gen())) out.push(...batch);
  return out;
}

test('CRLF and LF, a BOM, lines split across chunks, no trailing newline', async () => {
  assert.deepEqual(await collect(['\xef\xbb\xbfa,b\r\n1,', '2\r\n3,4']), ['a,b', '1,2', '3,4']);
  assert.deepEqual(await collect(['a\n', 'b\n']), ['a', 'b']);
  assert.deepEqual(await collect(['a\r', '\nb\r\n']), ['a', 'b']);
  assert.deepEqual(await collect([]), []);
});
