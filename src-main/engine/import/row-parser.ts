import { loadNative } from '../model/native/addon';
import { MAX_LINE_BYTES } from './lines';
import type { Header } from './header';
import { formatDay, parseDay, splitQuoted } from './row-fields';
import { JsRowStore, NativeRowStore, type RowStore } from './row-store';

/**
 * Rows of one stretch of a file, parsed, checked and encoded, in typed arrays so
 * a batch crosses between threads as a few buffers rather than 8,000 objects.
 * Nothing here needs the database; what does (drive ids, duplicates) is the
 * writer's job (file-importer.ts).
 */
export interface ParsedBatch {
  rows: number;
  line: Int32Array;
  day: Int32Array;
  failure: Uint8Array;
  /** NaN when the field is empty. */
  capacity: Float64Array;
  /** Row i's encoded values are blobs[blobEnd[i-1] .. blobEnd[i]). */
  blobEnd: Uint32Array;
  blobs: Uint8Array;
  /** Joined with '\n'. */
  serials: string;
  models: string;
  /**
   * Row i's line as read is raw[rawStart[i] .. rawEnd[i]) (latin1 bytes, kept for the rare late reject): bytes
   * cross to the writer without a copy, where a string of the whole batch was cloned into its heap every batch.
   */
  raw: Uint8Array;
  rawStart: Uint32Array;
  rawEnd: Uint32Array;
  /** Rows with non-numeric extra columns, and each one's JSON of them, joined by '\n' (one string, not 8,000). */
  tagRows: Int32Array;
  tagJson: string;
  /** Lines refused by the parser. */
  rejects: { line: number; reason: string; raw: string }[];
  /** Lines consumed (blank ones included). */
  linesRead: number;
}

const MAX_RAW = 4000;
const COMMA = 44;
const QUOTE = 34;

// What each CSV column is for; numeric columns carry their index into header.numeric.
const ROLE_IGNORE = -1;
const ROLE_DATE = -2;
const ROLE_SERIAL = -3;
const ROLE_MODEL = -4;
const ROLE_CAPACITY = -5;
const ROLE_FAILURE = -6;

/**
 * Parses lines straight from the bytes: the common field (empty, or a run of
 * digits) never becomes a string. Lines with quotes take the general path.
 */
export class BatchBuilder {
  private readonly values: Float64Array;
  private readonly roles: Int32Array;
  private lastDate = '';
  private lastDateBytes = Buffer.alloc(10);
  private lastDay = NaN;
  /** The batch's rows; the native store also parses plain lines itself. */
  private readonly store: RowStore;
  private rejects: ParsedBatch['rejects'] = [];
  private rawParts: Buffer[] = [];
  private rawLength = 0;
  private linesRead = 0;

  constructor(
    private readonly h: Header,
    private readonly slots: Int32Array,
    private readonly nSlots: number,
    /** Plain lines through the native engine where it loads (the same batch either way). */
    useNative = true,
  ) {
    this.values = new Float64Array(Math.max(nSlots, 1));
    this.roles = new Int32Array(h.columns.length).fill(ROLE_IGNORE);
    h.numeric.forEach((c, k) => (this.roles[c.col] = k));
    this.roles[h.date] = ROLE_DATE;
    this.roles[h.serial] = ROLE_SERIAL;
    this.roles[h.model] = ROLE_MODEL;
    this.roles[h.capacity] = ROLE_CAPACITY;
    this.roles[h.failure] = ROLE_FAILURE;
    const native = useNative ? loadNative().module : null;
    this.store = native
      ? new NativeRowStore(
          new native.CsvRows(
            this.roles,
            slots,
            nSlots,
            FIRST_PLAUSIBLE_DAY,
            lastPlausibleDay(),
            Uint8Array.from(h.numeric, (c) => (c.smart ? 1 : 0)),
            h.numeric.map((c) => JSON.stringify(c.name)).join('\n'),
          ),
          nSlots,
        )
      : new JsRowStore(nSlots);
  }

  /** Lines read into the current batch so far. */
  get size(): number {
    return this.linesRead;
  }

  /**
   * Adds lines buf[starts[i] .. ends[i]) (no line ending), the first being line
   * number `firstLine` of the file.
   */
  addLines(
    buf: Buffer,
    starts: number[],
    ends: number[],
    firstLine: number,
    overlong?: ReadonlySet<number>,
  ): void {
    const n = starts.length;
    if (n === 0) return;
    const pieceStart = starts[0];
    const pieceEnd = ends[n - 1];
    const rawBase = this.rawLength - pieceStart;
    this.rawParts.push(buf.subarray(pieceStart, pieceEnd));
    this.rawLength += pieceEnd - pieceStart;
    const quoted = buf.indexOf(QUOTE, pieceStart) >= 0 && buf.indexOf(QUOTE, pieceStart) < pieceEnd;
    const fast = this.store.parser;
    if (!fast) {
      for (let i = 0; i < n; i++)
        this.addLine(buf, starts[i], ends[i], firstLine + i, rawBase, quoted, overlong?.has(i));
      return;
    }
    // The native parser takes runs of plain lines; each line it leaves (and each over-long one) comes here.
    const s32 = Int32Array.from(starts);
    const e32 = Int32Array.from(ends);
    const long = overlong ? [...overlong].sort((a, b) => a - b) : [];
    let nextLong = 0;
    for (let i = 0; i < n;) {
      while (nextLong < long.length && long[nextLong] < i) nextLong++;
      const stop = nextLong < long.length ? long[nextLong] : n;
      if (i < stop) {
        const left = fast.parse(buf, s32, e32, i, stop, firstLine, rawBase);
        this.linesRead += left - i;
        i = left;
        if (i >= n) break;
      }
      this.addLine(buf, starts[i], ends[i], firstLine + i, rawBase, quoted, i === stop && stop < n);
      i++;
    }
  }

  /** One line through the JavaScript parser: the general path, and every refusal. */
  private addLine(
    buf: Buffer,
    s: number,
    e: number,
    lineNo: number,
    rawBase: number,
    quoted: boolean,
    overlong: boolean | undefined,
  ): void {
    this.linesRead++;
    if (overlong) {
      this.reject(
        lineNo,
        `the line is longer than ${MAX_LINE_BYTES >> 20} MiB: not a drive-stats row`,
        buf.toString('latin1', s, e),
      );
      return;
    }
    if (s === e) return;
    if (quoted && buf.subarray(s, e).includes(QUOTE))
      this.addQuoted(buf.toString('latin1', s, e), lineNo, rawBase + s, rawBase + e);
    else this.addBytes(buf, s, e, lineNo, rawBase);
  }

  private reject(lineNo: number, reason: string, raw: string): void {
    this.rejects.push({ line: lineNo, reason, raw: raw.slice(0, MAX_RAW) });
  }

  /**
   * The day of a date field, remembering the last plausible one (text and bytes together, so the byte compare in
   * addBytes can never hand out another date's day).
   */
  private dayOf(dateStr: string): number {
    if (dateStr === this.lastDate) return this.lastDay;
    const d = parseDay(dateStr);
    if (d === d && !implausibleDate(d, dateStr)) {
      this.lastDate = dateStr;
      this.lastDay = d;
      this.lastDateBytes = Buffer.from(dateStr, 'latin1');
    }
    return d;
  }

  private addBytes(buf: Buffer, s: number, e: number, lineNo: number, rawBase: number): void {
    const roles = this.roles;
    const ncols = roles.length;
    const values = this.values;
    const numeric = this.h.numeric;
    const slots = this.slots;
    values.fill(NaN, 0, this.nSlots);
    let day = NaN;
    let fail = -1;
    let cap = NaN;
    let serial = '';
    let model = '';
    let tags: Record<string, string> | null = null;
    let p = s;
    let col = 0;
    const raw = (): string => buf.toString('latin1', s, e);
    // A wrong column count explains any other fault on the line, so it is named first.
    const refuse = (reason: string): void => {
      let found = 1;
      for (let q = s; q < e; q++) if (buf[q] === COMMA) found++;
      this.reject(lineNo, found === ncols ? reason : `expected ${ncols} columns, found ${found}`, raw());
    };
    for (; col < ncols; col++) {
      const fs = p;
      while (p < e && buf[p] !== COMMA) p++;
      const fe = p;
      const role = roles[col];
      if (role >= 0) {
        if (fs === fe) {
          // empty: missing
        } else {
          let v = 0;
          let q = fs;
          if (fe - fs <= 15) {
            for (; q < fe; q++) {
              const d = buf[q] - 48;
              if (d < 0 || d > 9) break;
              v = v * 10 + d;
            }
          }
          if (q !== fe || fe - fs > 15) {
            const text = buf.toString('latin1', fs, fe);
            v = +text;
            if (v - v !== 0 || (v === 0 && text.trim() === '')) {
              if (text.trim() === '') v = NaN;
              else if (numeric[role].smart) {
                this.reject(
                  lineNo,
                  `non-numeric value "${text.slice(0, 40)}" in ${numeric[role].name}`,
                  raw(),
                );
                return;
              } else {
                (tags ??= {})[numeric[role].name] = text;
                v = NaN;
              }
            }
          }
          values[slots[role]] = v;
        }
      } else if (role === ROLE_DATE) {
        const same =
          fe - fs === this.lastDateBytes.length &&
          this.lastDate !== '' &&
          buf.compare(this.lastDateBytes, 0, this.lastDateBytes.length, fs, fe) === 0;
        if (same) day = this.lastDay;
        else {
          const text = buf.toString('latin1', fs, fe);
          day = this.dayOf(text);
          if (day !== day) {
            refuse(`bad date "${text.slice(0, 40)}" (expected YYYY-MM-DD)`);
            return;
          }
          const implausible = implausibleDate(day, text);
          if (implausible) {
            refuse(implausible);
            return;
          }
        }
      } else if (role === ROLE_SERIAL) serial = buf.toString('latin1', fs, fe).trim();
      else if (role === ROLE_MODEL) model = buf.toString('latin1', fs, fe).trim();
      else if (role === ROLE_FAILURE)
        fail = fe - fs === 1 && (buf[fs] === 48 || buf[fs] === 49) ? buf[fs] - 48 : -2;
      else if (role === ROLE_CAPACITY && fe > fs) cap = Number(buf.toString('latin1', fs, fe));
      if (p >= e) break;
      p++; // past the comma
    }
    if (col !== ncols - 1 || p < e) {
      let found = col + 1;
      for (; p < e; p++) if (buf[p] === COMMA) found++;
      this.reject(lineNo, `expected ${ncols} columns, found ${found}`, raw());
      return;
    }
    if (serial === '') return this.reject(lineNo, 'missing serial_number', raw());
    if (fail < 0) {
      const text = buf.toString('latin1', s, e).split(',')[this.h.failure] ?? '';
      return this.reject(lineNo, `failure must be 0 or 1, found "${text.slice(0, 40)}"`, raw());
    }
    if (cap === cap && !Number.isInteger(cap))
      return this.reject(lineNo, 'capacity_bytes is not an integer', raw());
    if (day !== day) return this.reject(lineNo, 'missing date', raw());
    this.push(lineNo, day, fail, cap, serial, model, tags, rawBase + s, rawBase + e);
  }

  /** The general path, for a line with quoted fields. */
  private addQuoted(text: string, lineNo: number, rawStart: number, rawEnd: number): void {
    const h = this.h;
    const f = splitQuoted(text);
    if (f.length !== h.columns.length)
      return this.reject(lineNo, `expected ${h.columns.length} columns, found ${f.length}`, text);
    const day = this.dayOf(f[h.date]);
    if (day !== day)
      return this.reject(lineNo, `bad date "${f[h.date].slice(0, 40)}" (expected YYYY-MM-DD)`, text);
    const implausible = implausibleDate(day, f[h.date]);
    if (implausible) return this.reject(lineNo, implausible, text);
    const serial = f[h.serial].trim();
    if (serial === '') return this.reject(lineNo, 'missing serial_number', text);
    const fail = f[h.failure] === '0' ? 0 : f[h.failure] === '1' ? 1 : -1;
    if (fail < 0)
      return this.reject(lineNo, `failure must be 0 or 1, found "${f[h.failure].slice(0, 40)}"`, text);
    const cap = f[h.capacity] === '' ? NaN : Number(f[h.capacity]);
    if (cap === cap && !Number.isInteger(cap))
      return this.reject(lineNo, 'capacity_bytes is not an integer', text);
    this.values.fill(NaN, 0, this.nSlots);
    let tags: Record<string, string> | null = null;
    for (let k = 0; k < h.numeric.length; k++) {
      const s = f[h.numeric[k].col].trim();
      if (s === '') continue;
      const v = +s;
      if (v - v !== 0) {
        if (h.numeric[k].smart)
          return this.reject(lineNo, `non-numeric value "${s.slice(0, 40)}" in ${h.numeric[k].name}`, text);
        (tags ??= {})[h.numeric[k].name] = s;
        continue;
      }
      this.values[this.slots[k]] = v;
    }
    this.push(lineNo, day, fail, cap, serial, f[h.model].trim(), tags, rawStart, rawEnd);
  }

  private push(
    lineNo: number,
    day: number,
    fail: number,
    cap: number,
    serial: string,
    model: string,
    tags: Record<string, string> | null,
    rawStart: number,
    rawEnd: number,
  ): void {
    const json = tags ? JSON.stringify(tags) : null;
    this.store.push(lineNo, day, fail, cap, this.values, serial, model, rawStart, rawEnd, json);
  }

  /** Hands over the batch built so far and starts a new one. */
  take(): ParsedBatch {
    const batch: ParsedBatch = {
      ...this.store.take(),
      raw: joinBytes(this.rawParts, this.rawLength),
      rejects: this.rejects,
      linesRead: this.linesRead,
    };
    this.rejects = [];
    this.rawParts = [];
    this.rawLength = 0;
    this.linesRead = 0;
    return batch;
  }
}

/** SMART data from before 2000 or from after tomorrow is a typo or a broken clock, not a reading. */
const FIRST_PLAUSIBLE_DAY = parseDay('2000-01-01');

/**
 * Why a well-formed date cannot be a reading, or null. One row dated 1970 or 9999 would otherwise stretch every
 * model's cube of days across decades (memory), or past what typed arrays can hold.
 */
export function implausibleDate(day: number, text: string): string | null {
  const lastPlausible = lastPlausibleDay();
  if (day >= FIRST_PLAUSIBLE_DAY && day <= lastPlausible) return null;
  return `date ${text.slice(0, 10)} is outside the plausible range 2000-01-01 to ${formatDay(lastPlausible)}`;
}

/** Tomorrow, in days since 1970-01-01 (UTC): the latest day a reading may carry. */
function lastPlausibleDay(): number {
  return Math.floor(Date.now() / 86_400_000) + 1;
}

/** The parts in one Uint8Array of its own (never Node's shared pool: the batch's buffers are transferred). */
function joinBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
