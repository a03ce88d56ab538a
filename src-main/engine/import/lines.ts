/** The lines of one chunk as byte ranges of `buf` (line endings excluded). */
export interface LineRanges {
  buf: Buffer;
  starts: number[];
  ends: number[];
}

/**
 * Splits bytes into lines, as byte ranges (no strings are made here): LF or
 * CRLF, a BOM on the first line dropped, a last line without a newline still
 * delivered. A line cut between two chunks is carried over.
 */
export class ByteLineSplitter {
  private carry: Buffer | null = null;
  private first = true;

  push(chunk: Uint8Array): LineRanges {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) buf = Buffer.concat([this.carry, buf]);
    this.carry = null;
    let start = 0;
    if (this.first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    if (buf.length > 0) this.first = false;
    const starts: number[] = [];
    const ends: number[] = [];
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      starts.push(start);
      ends.push(nl > start && buf[nl - 1] === 13 ? nl - 1 : nl);
      start = nl + 1;
    }
    if (start < buf.length) this.carry = Buffer.from(buf.subarray(start));
    return { buf, starts, ends };
  }

  end(): LineRanges {
    const c = this.carry ?? Buffer.alloc(0);
    this.carry = null;
    if (c.length === 0) return { buf: c, starts: [], ends: [] };
    return { buf: c, starts: [0], ends: [c[c.length - 1] === 13 ? c.length - 1 : c.length] };
  }
}
