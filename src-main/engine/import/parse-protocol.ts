import type { ParsedBatch } from './row-parser';
import type { SourceLocation } from './sources';

/** Writer to parser. */
export type ToParser =
  | { type: 'file'; loc: SourceLocation; headerLine: string; slots: Int32Array; nSlots: number }
  | { type: 'credit' }
  | { type: 'abort' };

/** Parser to writer. */
export type FromParser =
  | { type: 'batch'; batch: ParsedBatch; storedBytes: number }
  | { type: 'done'; storedBytes: number }
  | { type: 'error'; message: string; code?: string };

/** Lines per batch: large enough to amortise a message, small enough to stay responsive. */
export const BATCH_LINES = 4096;

/** Batches the parser may have handed over but the writer not yet written: bounds memory. */
export const BATCHES_AHEAD = 3;

export function transferList(b: ParsedBatch): ArrayBuffer[] {
  const arrays = [
    b.line,
    b.day,
    b.failure,
    b.capacity,
    b.blobEnd,
    b.blobs,
    b.rawStart,
    b.rawEnd,
    b.raw,
    b.tagRows,
  ];
  // A buffer listed twice cannot be transferred (none of these is a pooled Buffer's).
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))].filter((buf) => buf.byteLength > 0);
}
