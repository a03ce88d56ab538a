import type { NativeCsvRows } from '../model/native/addon';
import { ReadingEncoder } from '../store/readings-codec';
import type { ParsedBatch } from './row-parser';

/** The columns of a batch's accepted rows (the rest of a ParsedBatch is the batch builder's). */
export type RowColumns = Pick<
  ParsedBatch,
  | 'rows'
  | 'line'
  | 'day'
  | 'failure'
  | 'capacity'
  | 'blobEnd'
  | 'blobs'
  | 'serials'
  | 'models'
  | 'rawStart'
  | 'rawEnd'
  | 'tagRows'
  | 'tagJson'
>;

/** Where the batch builder puts accepted rows; the native store can also parse plain lines itself. */
export interface RowStore {
  readonly rows: number;
  /** The native parser of plain lines, where the store has one. */
  readonly parser: Pick<NativeCsvRows, 'parse'> | null;
  /** A row parsed in JavaScript; values[0 .. nSlots) with NaN for missing. */
  push(
    line: number,
    day: number,
    failure: number,
    capacity: number,
    values: Float64Array,
    serial: string,
    model: string,
    rawStart: number,
    rawEnd: number,
    /** The row's non-numeric extra columns as JSON, or null. */
    tags: string | null,
  ): void;
  /** The rows so far; the store starts afresh. */
  take(): RowColumns;
}

function grow<T extends Int32Array | Uint32Array | Uint8Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** Rows kept and encoded in JavaScript: where the native engine does not load. */
export class JsRowStore implements RowStore {
  readonly parser = null;
  private readonly encoder = new ReadingEncoder();
  private n = 0;
  private line = new Int32Array(1024);
  private day = new Int32Array(1024);
  private failure = new Uint8Array(1024);
  private capacity = new Float64Array(1024);
  private blobEnd = new Uint32Array(1024);
  private rawStart = new Uint32Array(1024);
  private rawEnd = new Uint32Array(1024);
  private blobs = new Uint8Array(1 << 18);
  private blobAt = 0;
  private serials: string[] = [];
  private models: string[] = [];
  private tagRows: number[] = [];
  private tagJson: string[] = [];

  constructor(private readonly nSlots: number) {}

  get rows(): number {
    return this.n;
  }

  push(
    lineNo: number,
    day: number,
    fail: number,
    cap: number,
    values: Float64Array,
    serial: string,
    model: string,
    rawStart: number,
    rawEnd: number,
    tags: string | null,
  ): void {
    const r = this.n;
    if (tags) {
      this.tagRows.push(r);
      this.tagJson.push(tags);
    }
    if (r === this.line.length) {
      const n = r * 2;
      this.line = grow(this.line, n);
      this.day = grow(this.day, n);
      this.failure = grow(this.failure, n);
      this.capacity = grow(this.capacity, n);
      this.blobEnd = grow(this.blobEnd, n);
      this.rawStart = grow(this.rawStart, n);
      this.rawEnd = grow(this.rawEnd, n);
    }
    const blob = this.encoder.encode(values, this.nSlots);
    this.blobs = grow(this.blobs, this.blobAt + blob.length);
    this.blobs.set(blob, this.blobAt);
    this.blobAt += blob.length;
    this.line[r] = lineNo;
    this.day[r] = day;
    this.failure[r] = fail;
    this.capacity[r] = cap;
    this.blobEnd[r] = this.blobAt;
    this.rawStart[r] = rawStart;
    this.rawEnd[r] = rawEnd;
    this.serials.push(serial);
    this.models.push(model);
    this.n++;
  }

  take(): RowColumns {
    const n = this.n;
    const out: RowColumns = {
      rows: n,
      line: this.line.slice(0, n),
      day: this.day.slice(0, n),
      failure: this.failure.slice(0, n),
      capacity: this.capacity.slice(0, n),
      blobEnd: this.blobEnd.slice(0, n),
      blobs: this.blobs.slice(0, this.blobAt),
      serials: this.serials.join('\n'),
      models: this.models.join('\n'),
      rawStart: this.rawStart.slice(0, n),
      rawEnd: this.rawEnd.slice(0, n),
      tagRows: Int32Array.from(this.tagRows),
      tagJson: this.tagJson.join('\n'),
    };
    this.n = 0;
    this.blobAt = 0;
    this.serials = [];
    this.models = [];
    this.tagRows = [];
    this.tagJson = [];
    return out;
  }
}

/**
 * Rows kept and encoded natively (src-main/native/src/csv.h), which also parses plain lines straight from the
 * bytes: on a modern day, four fifths of the parse thread's time was reading fields and encoding values in
 * JavaScript. Lines it is not sure of come back to the JavaScript parser, whose rows are pushed here in order.
 */
export class NativeRowStore implements RowStore {
  constructor(
    readonly parser: NativeCsvRows,
    private readonly nSlots: number,
  ) {}

  get rows(): number {
    return this.parser.rows();
  }

  push(
    lineNo: number,
    day: number,
    fail: number,
    cap: number,
    values: Float64Array,
    serial: string,
    model: string,
    rawStart: number,
    rawEnd: number,
    tags: string | null,
  ): void {
    const v = values.subarray(0, Math.max(this.nSlots, 1));
    this.parser.push(lineNo, day, fail, cap, v, serial, model, rawStart, rawEnd, tags);
  }

  take(): RowColumns {
    return this.parser.take();
  }
}
