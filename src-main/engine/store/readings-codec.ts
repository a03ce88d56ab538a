/**
 * The sparse encoding of one reading's numeric columns (readings.vals).
 *
 *   u16 n            number of slots the blob covers (slots >= n are missing)
 *   presence bitmap  ceil(n / 8) bytes, bit i set when slot i has a value
 *   wide bitmap      ceil(n / 8) bytes, bit i set when slot i is stored as f64
 *   values           present slots in order: u32 when a non-negative integer
 *                    below 2^32 (almost every SMART value), else f64; little-endian
 *
 * Why: a modern Backblaze row has ~190 columns of which a third are filled. One
 * blob binds as one parameter (not 190), skips empty columns in two bits, and
 * stays readable when later files add columns (older blobs are simply shorter).
 */

const U32_MAX = 0xffffffff;

export class ReadingEncoder {
  private buf = Buffer.alloc(1024);

  /** Encodes values[0..slots) (NaN = missing). The returned view is valid until the next call. */
  encode(values: Float64Array, slots: number): Buffer {
    // Only up to the highest slot this row fills: a workspace with many rare columns must not make every row carry
    // bitmaps for all of them (a shorter blob reads as missing past its end).
    let n = slots;
    while (n > 0 && values[n - 1] !== values[n - 1]) n--;
    const mapBytes = (n + 7) >> 3;
    const need = 2 + 2 * mapBytes + 8 * n;
    if (this.buf.length < need) this.buf = Buffer.alloc(need * 2);
    const buf = this.buf;
    buf.fill(0, 0, 2 + 2 * mapBytes);
    buf.writeUInt16LE(n, 0);
    const wideAt = 2 + mapBytes;
    let pos = 2 + 2 * mapBytes;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== v) continue; // NaN: missing
      buf[2 + (i >> 3)] |= 1 << (i & 7);
      if (v >= 0 && v <= U32_MAX && Math.floor(v) === v) {
        buf.writeUInt32LE(v, pos);
        pos += 4;
      } else {
        buf[wideAt + (i >> 3)] |= 1 << (i & 7);
        buf.writeDoubleLE(v, pos);
        pos += 8;
      }
    }
    return buf.subarray(0, pos);
  }
}

function view(blob: Uint8Array): DataView {
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** Decodes every slot into out (length >= slots wanted); slots absent from the blob become NaN. */
export function decodeInto(blob: Uint8Array, out: Float64Array): void {
  out.fill(NaN);
  const dv = view(blob);
  const n = Math.min(dv.getUint16(0, true), out.length);
  const mapBytes = (dv.getUint16(0, true) + 7) >> 3;
  const wideAt = 2 + mapBytes;
  let pos = 2 + 2 * mapBytes;
  for (let i = 0; i < n; i++) {
    if ((blob[2 + (i >> 3)] & (1 << (i & 7))) === 0) continue;
    if (blob[wideAt + (i >> 3)] & (1 << (i & 7))) {
      out[i] = dv.getFloat64(pos, true);
      pos += 8;
    } else {
      out[i] = dv.getUint32(pos, true);
      pos += 4;
    }
  }
}

/** Set bits in each byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let n = 0;
  for (let x = v; x; x &= x - 1) n++;
  return n;
});

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

function u32At(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

function f64At(b: Uint8Array, p: number): number {
  for (let k = 0; k < 8; k++) f64Bytes[k] = b[p + k];
  return f64[0];
}

/**
 * Reads chosen slots of the blob starting at blob[at] into out[outAt + k] for k
 * in slots (sorted ascending), NaN where missing, and returns the offset just
 * past that blob (blobs are self-delimiting, so a run of them can be walked).
 * Skips whole bytes of the bitmaps with a popcount table: asking for 5 of 190
 * columns costs a few dozen steps, not 190.
 */
export function decodeSlots(
  blob: Uint8Array,
  slots: Int32Array,
  out: Float32Array,
  outAt: number,
  at = 0,
): number {
  const n = blob[at] | (blob[at + 1] << 8);
  const mapBytes = (n + 7) >> 3;
  const presentAt = at + 2;
  const wideAt = presentAt + mapBytes;
  let pos = wideAt + mapBytes; // value offset of the first slot of byte `byte`
  let byte = 0;
  for (let k = 0; k < slots.length; k++) {
    const slot = slots[k];
    if (slot >= n) {
      out[outAt + k] = NaN;
      continue;
    }
    const target = slot >> 3;
    for (; byte < target; byte++) {
      const pres = blob[presentAt + byte];
      pos += 4 * POPCOUNT[pres] + 4 * POPCOUNT[pres & blob[wideAt + byte]];
    }
    const pres = blob[presentAt + target];
    const bit = 1 << (slot & 7);
    if ((pres & bit) === 0) {
      out[outAt + k] = NaN;
      continue;
    }
    const below = pres & (bit - 1);
    const p = pos + 4 * POPCOUNT[below] + 4 * POPCOUNT[below & blob[wideAt + target]];
    out[outAt + k] = blob[wideAt + target] & bit ? f64At(blob, p) : u32At(blob, p);
  }
  for (; byte < mapBytes; byte++) {
    const pres = blob[presentAt + byte];
    pos += 4 * POPCOUNT[pres] + 4 * POPCOUNT[pres & blob[wideAt + byte]];
  }
  return pos;
}

/** One slot, or null when missing (used by the SQL function smart(vals, slot)). */
export function decodeSlot(blob: Uint8Array, slot: number): number | null {
  const dv = view(blob);
  const n = dv.getUint16(0, true);
  if (slot < 0 || slot >= n) return null;
  const mapBytes = (n + 7) >> 3;
  const wideAt = 2 + mapBytes;
  let pos = 2 + 2 * mapBytes;
  for (let i = 0; i < slot; i++) {
    if (blob[2 + (i >> 3)] & (1 << (i & 7))) pos += blob[wideAt + (i >> 3)] & (1 << (i & 7)) ? 8 : 4;
  }
  if ((blob[2 + (slot >> 3)] & (1 << (slot & 7))) === 0) return null;
  return blob[wideAt + (slot >> 3)] & (1 << (slot & 7)) ? dv.getFloat64(pos, true) : dv.getUint32(pos, true);
}

/** Slots a blob covers. */
export const slotsOf = (blob: Uint8Array): number => blob[0] | (blob[1] << 8);

/**
 * Whether two blobs hold the same values (missing = missing), whatever their length: a blob written when the
 * workspace had fewer columns, or trimmed at its last filled slot, equals a longer one with the same values.
 */
export function sameReading(a: Uint8Array, b: Uint8Array): boolean {
  if (Buffer.compare(a, b) === 0) return true;
  const n = Math.max(slotsOf(a), slotsOf(b));
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  decodeInto(a, x);
  decodeInto(b, y);
  for (let i = 0; i < n; i++) if (x[i] !== y[i] && !(x[i] !== x[i] && y[i] !== y[i])) return false;
  return true;
}
