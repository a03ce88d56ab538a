import { parseHeader } from './header';
import { ByteLineSplitter, type LineRanges } from './lines';
import { BATCH_LINES } from './parse-protocol';
import { BatchBuilder, type ParsedBatch } from './row-parser';

/**
 * Turns one file's raw chunks into parsed batches: the header line is skipped,
 * lines are numbered from 2, and a batch is cut once it holds BATCH_LINES lines.
 * Runs in the parse worker, or inline where a worker cannot start.
 */
export class ChunkParser {
  private readonly splitter = new ByteLineSplitter();
  private readonly builder: BatchBuilder;
  private headerSkipped = false;
  private nextLine = 2;

  constructor(headerLine: string, slots: Int32Array, nSlots: number) {
    this.builder = new BatchBuilder(parseHeader(headerLine), slots, nSlots);
  }

  push(chunk: Uint8Array, emit: (b: ParsedBatch) => void): void {
    this.take(this.splitter.push(chunk));
    if (this.builder.size >= BATCH_LINES) emit(this.builder.take());
  }

  end(emit: (b: ParsedBatch) => void): void {
    this.take(this.splitter.end());
    if (this.builder.size > 0) emit(this.builder.take());
  }

  private take(r: LineRanges): void {
    let from = 0;
    if (!this.headerSkipped && r.starts.length > 0) {
      this.headerSkipped = true;
      from = 1;
    }
    const starts = from ? r.starts.slice(from) : r.starts;
    const ends = from ? r.ends.slice(from) : r.ends;
    const overlong = r.overlong.length ? new Set(r.overlong.map((i) => i - from)) : undefined;
    this.builder.addLines(r.buf, starts, ends, this.nextLine, overlong);
    this.nextLine += starts.length;
  }
}
