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

  /** Encodes values[0..n) (NaN = missing). The returned view is valid until the next call. */
  encode(values: Float64Array, n: number): Buffer {
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

/**
 * Reads chosen slots of one blob into out[outAt + k] for k in slots, NaN where
 * missing. Walks the bitmaps once, so asking for 5 of 190 columns stays cheap.
 */
export function decodeSlots(blob: Uint8Array, slots: Int32Array, out: Float32Array, outAt: number): void {
  const dv = view(blob);
  const n = dv.getUint16(0, true);
  const mapBytes = (n + 7) >> 3;
  const wideAt = 2 + mapBytes;
  let pos = 2 + 2 * mapBytes;
  let slotIdx = 0;
  // slots are sorted ascending by the caller (see sortedSlots) so one pass suffices.
  for (let k = 0; k < slots.length; k++) out[outAt + k] = NaN;
  for (let i = 0; i < n && slotIdx < slots.length; i++) {
    const present = (blob[2 + (i >> 3)] & (1 << (i & 7))) !== 0;
    const wide = present && (blob[wideAt + (i >> 3)] & (1 << (i & 7))) !== 0;
    while (slotIdx < slots.length && slots[slotIdx] < i) slotIdx++;
    if (present && slotIdx < slots.length && slots[slotIdx] === i) {
      out[outAt + slotIdx] = wide ? dv.getFloat64(pos, true) : dv.getUint32(pos, true);
      slotIdx++;
    }
    if (present) pos += wide ? 8 : 4;
  }
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
