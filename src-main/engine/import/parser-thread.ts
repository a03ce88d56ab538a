import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../worker-spawn';
import { BATCHES_AHEAD, type FromParser, type ToParser } from './parse-protocol';
import type { ParsedBatch } from './row-parser';
import { SourceReader } from './source-reader';
import type { SourceLocation } from './sources';

/**
 * The writer's side of parsing: start a file, pull parsed batches. With a
 * worker, reading and parsing run on the second core while this thread writes
 * to SQLite; inline (DRIVE_TRIAGE_PARSE_THREAD=0, or no worker), the same
 * SourceReader runs here. Either way at most BATCHES_AHEAD batches wait.
 */
export class ParserThread {
  private worker: Worker | null = null;
  private inline: SourceReader | null = null;
  private readonly batches: ParsedBatch[] = [];
  private done = false;
  private error: Error | null = null;
  private wakeReader: (() => void) | null = null;
  private wakeInline: (() => void) | null = null;
  /** Stored bytes read so far in the current file, for progress. */
  storedBytes = 0;

  constructor(useWorker = process.env.DRIVE_TRIAGE_PARSE_THREAD !== '0') {
    if (useWorker) {
      // Its live data is a few batches; a small young generation keeps garbage from piling
      // up between collections, which is what holds the import's peak memory down.
      this.worker = spawnWorker('parse-worker', join(__dirname, 'parse-worker.ts'), null, {
        maxYoungGenerationSizeMb: 16,
        maxOldGenerationSizeMb: 64,
      });
      this.worker.on('message', (m: FromParser) => this.onMessage(m));
      this.worker.on('error', (e) => this.fail(e));
    }
  }

  beginFile(loc: SourceLocation, headerLine: string, slots: Int32Array, nSlots: number): void {
    this.batches.length = 0;
    this.done = false;
    this.error = null;
    this.storedBytes = 0;
    if (this.worker) {
      this.send({ type: 'file', loc, headerLine, slots, nSlots });
      return;
    }
    const reader = new SourceReader(loc, headerLine, slots, nSlots);
    this.inline = reader;
    reader
      .run(async (b) => {
        this.batches.push(b);
        this.storedBytes = reader.storedBytes;
        this.wake();
        while (this.batches.length >= BATCHES_AHEAD && !this.error) {
          await new Promise<void>((r) => (this.wakeInline = r));
        }
      })
      .then(
        () => {
          this.storedBytes = reader.storedBytes;
          this.done = true;
          this.wake();
        },
        (err: Error) => this.fail(err),
      );
  }

  /** The next parsed batch, or null once the file is done. */
  async next(): Promise<ParsedBatch | null> {
    for (;;) {
      if (this.error) throw this.error;
      const b = this.batches.shift();
      if (b) {
        if (this.worker) this.send({ type: 'credit' });
        this.wakeInline?.();
        return b;
      }
      if (this.done) return null;
      await new Promise<void>((r) => (this.wakeReader = r));
    }
  }

  /** Stops the current file (a cancel, or an error on this side). */
  abort(): void {
    if (this.worker) this.send({ type: 'abort' });
    this.inline?.abort();
    this.fail(new Error('aborted'));
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }

  private fail(err: Error): void {
    this.error ??= err;
    this.wake();
    this.wakeInline?.();
  }

  private send(m: ToParser): void {
    this.worker?.postMessage(m);
  }

  private onMessage(m: FromParser): void {
    if (m.type === 'batch') {
      this.batches.push(m.batch);
      this.storedBytes = m.storedBytes;
    } else if (m.type === 'done') {
      this.storedBytes = m.storedBytes;
      this.done = true;
    } else this.fail(Object.assign(new Error(m.message), { code: m.code }));
    this.wake();
  }

  private wake(): void {
    const r = this.wakeReader;
    this.wakeReader = null;
    r?.();
  }
}
