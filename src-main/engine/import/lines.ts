/** The lines of one chunk as byte ranges of `buf` (line endings excluded). */
export interface LineRanges {
  buf: Buffer;
  starts: number[];
  ends: number[];
  /** Indexes (into starts/ends) of lines longer than the cap; their range holds only the line's first bytes. */
  overlong: number[];
}

/** A CSV line longer than this is not a Backblaze row (the widest is ~2 KB); it is rejected, not read. */
export const MAX_LINE_BYTES = 1 << 20;
/** How much of an over-long line is kept for the rejected row. */
const OVERLONG_PREFIX = 200;

/**
 * Splits bytes into lines, as byte ranges (no strings are made here): LF or
 * CRLF, a BOM on the first line dropped, a last line without a newline still
 * delivered. A line cut between two chunks is carried over, up to the cap: past
 * it the line's bytes are dropped as they come (memory stays flat whatever the
 * input) and the line is delivered as over-long.
 */
export class ByteLineSplitter {
  private carry: Buffer | null = null;
  private first = true;
  /** The first bytes of an over-long line whose end has not come yet. */
  private skipping: Buffer | null = null;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  push(chunk: Uint8Array): LineRanges {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const overlong: number[] = [];
    if (this.skipping) {
      const nl = buf.indexOf(10);
      if (nl < 0) return { buf: Buffer.alloc(0), starts: [], ends: [], overlong };
      // The over-long line ends here: deliver its prefix as a line of its own, then the rest of the chunk.
      buf = Buffer.concat([this.skipping, Buffer.from([10]), buf.subarray(nl + 1)]);
      this.skipping = null;
      overlong.push(0);
    } else if (this.carry) buf = Buffer.concat([this.carry, buf]);
    this.carry = null;
    let start = 0;
    if (this.first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    if (buf.length > 0) this.first = false;
    const starts: number[] = [];
    const ends: number[] = [];
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      if (nl - start > this.maxLineBytes) {
        overlong.push(starts.length);
        starts.push(start);
        ends.push(start + OVERLONG_PREFIX);
      } else {
        starts.push(start);
        ends.push(nl > start && buf[nl - 1] === 13 ? nl - 1 : nl);
      }
      start = nl + 1;
    }
    if (buf.length - start > this.maxLineBytes) {
      this.skipping = Buffer.from(buf.subarray(start, start + OVERLONG_PREFIX));
    } else if (start < buf.length) this.carry = Buffer.from(buf.subarray(start));
    return { buf, starts, ends, overlong };
  }

  end(): LineRanges {
    if (this.skipping) {
      const c = this.skipping;
      this.skipping = null;
      return { buf: c, starts: [0], ends: [c.length], overlong: [0] };
    }
    const c = this.carry ?? Buffer.alloc(0);
    this.carry = null;
    if (c.length === 0) return { buf: c, starts: [], ends: [], overlong: [] };
    return { buf: c, starts: [0], ends: [c[c.length - 1] === 13 ? c.length - 1 : c.length], overlong: [] };
  }
}
