/**
 * Splits a stream of bytes into text lines: LF or CRLF, a BOM on the first
 * line dropped, a last line without a newline still delivered. Lines are
 * decoded as latin1, which is lossless for bytes and fast; Backblaze files are ASCII.
 */
export async function* readLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  let carry: Buffer | null = null;
  let first = true;
  for await (const chunk of chunks) {
    let buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    carry = null;
    if (first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)
      buf = buf.subarray(3);
    first = false;
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      lines.push(buf.toString('latin1', start, end));
      start = nl + 1;
    }
    if (start < buf.length) carry = Buffer.from(buf.subarray(start));
    if (lines.length) yield lines;
  }
  if (carry && carry.length) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    if (end > 0) yield [carry.toString('latin1', 0, end)];
  }
}
