import { ChunkParser } from './chunk-parser';
import type { ParsedBatch } from './row-parser';
import { openLocation, type SourceLocation } from './sources';

/**
 * Reads one source from its location and parses it, handing each batch to
 * `emit` and waiting for it before reading on (emit resolves when the writer
 * has room). The same loop runs in the parse worker or, as a fallback, inline.
 */
export class SourceReader {
  private stream: { destroy(err?: Error): void } | null = null;
  private aborted = false;
  storedBytes = 0;

  constructor(
    private readonly loc: SourceLocation,
    private readonly headerLine: string,
    private readonly slots: Int32Array,
    private readonly nSlots: number,
  ) {}

  async run(emit: (b: ParsedBatch) => Promise<void>): Promise<void> {
    const parser = new ChunkParser(this.headerLine, this.slots, this.nSlots);
    const stream = await openLocation(this.loc, (n) => (this.storedBytes += n));
    this.stream = stream;
    const ready: ParsedBatch[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (this.aborted) break;
      parser.push(chunk, (b) => ready.push(b));
      while (ready.length) await emit(ready.shift() as ParsedBatch);
    }
    if (this.aborted) return;
    parser.end((b) => ready.push(b));
    while (ready.length) await emit(ready.shift() as ParsedBatch);
  }

  abort(): void {
    this.aborted = true;
    this.stream?.destroy();
  }
}
