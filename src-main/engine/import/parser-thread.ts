import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../worker-spawn';
import { ChunkParser } from './chunk-parser';
import type { FromParser, ToParser } from './parse-protocol';
import type { ParsedBatch } from './row-parser';

/**
 * push() waits while this many chunks are unparsed or this many batches unwritten:
 * the parser may run ahead of the writer, but only so far, whatever the file size.
 */
const MAX_CHUNKS_IN_FLIGHT = 8;
const MAX_BATCHES_WAITING = 8;

/**
 * The writer's side of parsing: push raw chunks in, pull parsed batches out.
 * With a worker, parsing runs on the second core while this thread writes to
 * SQLite; inline, the same ChunkParser runs here.
 */
export class ParserThread {
  private worker: Worker | null = null;
  private inline: ChunkParser | null = null;
  private readonly batches: ParsedBatch[] = [];
  private done = false;
  private error: Error | null = null;
  private inFlight = 0;
  private wakeReader: (() => void) | null = null;
  private wakeWriter: (() => void) | null = null;

  constructor(useWorker = process.env.DRIVE_TRIAGE_PARSE_THREAD !== '0') {
    if (useWorker) {
      this.worker = spawnWorker('parse-worker', join(__dirname, 'parse-worker.ts'), null);
      this.worker.on('message', (m: FromParser) => this.onMessage(m));
      this.worker.on('error', (e) => this.fail(e));
    }
  }

  beginFile(headerLine: string, slots: Int32Array, nSlots: number): void {
    this.batches.length = 0;
    this.done = false;
    this.error = null;
    this.inFlight = 0;
    if (this.worker) this.send({ type: 'file', headerLine, slots, nSlots });
    else this.inline = new ChunkParser(headerLine, slots, nSlots);
  }

  async push(chunk: Uint8Array): Promise<void> {
    if (this.error) throw this.error;
    if (this.worker) {
      this.inFlight++;
      this.send({ type: 'chunk', buf: chunk });
    } else {
      this.inline?.push(chunk, (b) => this.batches.push(b));
      this.wake();
    }
    while (
      (this.inFlight >= MAX_CHUNKS_IN_FLIGHT || this.batches.length >= MAX_BATCHES_WAITING) &&
      !this.error
    ) {
      await new Promise<void>((r) => (this.wakeWriter = r));
    }
  }

  end(): void {
    if (this.worker) this.send({ type: 'end' });
    else {
      this.inline?.end((b) => this.batches.push(b));
      this.done = true;
      this.wake();
    }
  }

  /** Stops the file midway (a read error, a cancel): next() rejects with err. */
  fail(err: Error): void {
    this.error ??= err;
    this.wake();
  }

  /** The next parsed batch, or null once the file is done. */
  async next(): Promise<ParsedBatch | null> {
    for (;;) {
      if (this.error) throw this.error;
      const b = this.batches.shift();
      if (b) {
        this.wake();
        return b;
      }
      if (this.done) return null;
      await new Promise<void>((r) => (this.wakeReader = r));
    }
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }

  private send(m: ToParser): void {
    this.worker?.postMessage(m);
  }

  private onMessage(m: FromParser): void {
    if (m.type === 'batch') this.batches.push(m.batch);
    else if (m.type === 'ack') this.inFlight--;
    else if (m.type === 'done') this.done = true;
    else this.fail(new Error(m.message));
    this.wake();
  }

  private wake(): void {
    const r = this.wakeReader;
    this.wakeReader = null;
    r?.();
    const w = this.wakeWriter;
    this.wakeWriter = null;
    w?.();
  }
}
