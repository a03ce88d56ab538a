/**
 * Typed arrays stored as SQLite blobs or files (little-endian, as the machine
 * writes them). Reading copies the bytes: a Buffer's offset need not be
 * aligned for a Float32Array or Int32Array view.
 */
export const toBlob = (a: Float32Array | Int32Array): Buffer =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const copy = (b: Buffer): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
export const float32Of = (b: Buffer): Float32Array => new Float32Array(copy(b));
export const int32Of = (b: Buffer): Int32Array => new Int32Array(copy(b));
