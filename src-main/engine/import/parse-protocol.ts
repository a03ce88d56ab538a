import type { ParsedBatch } from './row-parser';

/** Writer to parser. */
export type ToParser =
  | { type: 'file'; headerLine: string; slots: Int32Array; nSlots: number }
  | { type: 'chunk'; buf: Uint8Array }
  | { type: 'end' };

/** Parser to writer. */
export type FromParser =
  | { type: 'batch'; batch: ParsedBatch }
  | { type: 'ack' }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** Lines per batch: large enough to amortise a message, small enough to stay responsive. */
export const BATCH_LINES = 8192;

export function transferList(b: ParsedBatch): ArrayBuffer[] {
  return [b.line, b.day, b.failure, b.capacity, b.blobEnd, b.blobs, b.rawStart, b.rawEnd].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
