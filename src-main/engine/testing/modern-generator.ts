import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rng } from '../model/rng';

/**
 * Writes Backblaze-style daily CSVs in the 2023 Q3+ layout (193 columns:
 * the six location columns after `failure`, then 91 SMART attributes, normalized
 * and raw). Sparsity follows the real files: each model family fills its own
 * set of ~25-45 attributes, the rest are empty. Deterministic for a seed.
 */

export const MODERN_SMART_IDS = [
  1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 22, 23, 24, 160, 161, 163, 164, 165, 166, 167, 168,
  169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 187, 188, 189, 190, 191,
  192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 206, 210, 218, 220, 222, 223, 224, 225, 226, 230,
  231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 244, 245, 246, 247, 248, 250, 251, 252, 254,
  255,
];

export function modernHeader(smartIds: readonly number[] = MODERN_SMART_IDS): string {
  const fixed = ['date', 'serial_number', 'model', 'capacity_bytes', 'failure'];
  const location = ['datacenter', 'cluster_id', 'vault_id', 'pod_id', 'pod_slot_num', 'is_legacy_format'];
  const smart = smartIds.flatMap((id) => [`smart_${id}_normalized`, `smart_${id}_raw`]);
  return [...fixed, ...location, ...smart].join(',');
}

const FAMILIES = [
  {
    model: 'ST12000NM0008',
    capacity: 12000138625024,
    fill: [1, 3, 4, 5, 7, 9, 10, 12, 187, 188, 190, 192, 193, 194, 195, 197, 198, 199, 200, 240, 241, 242],
  },
  {
    model: 'HGST HUH721212ALN604',
    capacity: 12000138625024,
    fill: [1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 22, 192, 193, 194, 196, 197, 198, 199],
  },
  {
    model: 'TOSHIBA MG07ACA14TA',
    capacity: 14000519643136,
    fill: [
      1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 23, 24, 191, 192, 193, 194, 196, 197, 198, 199, 220, 222, 223, 224, 226,
    ],
  },
  {
    model: 'WDC WUH721816ALE6L4',
    capacity: 16000900661248,
    fill: [1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 22, 192, 193, 194, 196, 197, 198, 199],
  },
  {
    model: 'CT250MX500SSD1',
    capacity: 250059350016,
    fill: [
      1, 5, 9, 12, 171, 172, 173, 174, 180, 183, 184, 187, 194, 196, 197, 198, 199, 202, 206, 210, 246, 247,
      248,
    ],
  },
];

export interface ModernDayOptions {
  path: string;
  /** YYYY-MM-DD */
  date: string;
  drives: number;
  seed: number;
  /** Day index from the first generated day (drives age and counters grow). */
  dayIndex?: number;
  /** Drives whose index is in this set report failure = 1 today. */
  failing?: ReadonlySet<number>;
  /**
   * Drives that wear out: this share of them fails on a day of [0, days) (from dayIndex 0), its reallocation
   * counters (SMART 5, 187, 197, 198) climbing over the RAMP_DAYS before, reports failure = 1 that day and is gone
   * from the days after (Backblaze removes a failed drive). What a model can learn and a daily update can alert on.
   */
  wearOut?: { share: number; days: number };
  crlf?: boolean;
}

/** Days over which a wearing-out drive's counters climb before it fails. */
export const RAMP_DAYS = 12;

/** The day drive d of a seed fails under a wear-out schedule (undefined: it does not). Its own stream. */
export function failureDay(seed: number, d: number, w: { share: number; days: number }): number | undefined {
  const r = rng(seed * 15485863 + d * 7 + 3);
  return r() < w.share ? Math.floor(r() * w.days) : undefined;
}

/** Writes one day; returns the number of data rows written. */
export async function writeModernDay(o: ModernDayOptions): Promise<number> {
  const ids = MODERN_SMART_IDS;
  const out = createWriteStream(o.path, { highWaterMark: 1 << 20 });
  const eol = o.crlf ? '\r\n' : '\n';
  const day = o.dayIndex ?? 0;
  let buf = modernHeader(ids) + eol;
  const fields = new Array<string>(11 + ids.length * 2);
  const position = new Map(ids.map((id, i) => [id, 11 + 2 * i]));
  let rows = 0;
  for (let d = 0; d < o.drives; d++) {
    // Per-drive stable randomness, plus a per-day stream for readings that move.
    const stable = rng(o.seed * 7919 + d);
    const daily = rng(o.seed * 104729 + d * 977 + day * 31);
    const fails = o.wearOut ? failureDay(o.seed, d, o.wearOut) : undefined;
    if (fails !== undefined && day > fails) continue;
    // Days into the climb before failure (0: not climbing).
    const wear = fails !== undefined ? Math.max(0, RAMP_DAYS - (fails - day)) : 0;
    const fam = FAMILIES[Math.floor(stable() * FAMILIES.length)];
    fields.fill('');
    fields[0] = o.date;
    fields[1] = `ZL${(o.seed % 97).toString(36).toUpperCase()}${d.toString(36).toUpperCase().padStart(6, '0')}`;
    fields[2] = fam.model;
    fields[3] = String(fam.capacity);
    fields[4] = o.failing?.has(d) || day === fails ? '1' : '0';
    fields[5] = ['sac0', 'sac2', 'phx1', 'iad1', 'ams5'][Math.floor(stable() * 5)];
    fields[6] = String(Math.floor(stable() * 4));
    fields[7] = String(1000 + Math.floor(stable() * 80));
    fields[8] = String(Math.floor(stable() * 400));
    fields[9] = String(Math.floor(stable() * 60));
    fields[10] = '0';
    const hours = Math.floor(stable() * 40000) + day * 24;
    for (const id of fam.fill) {
      const at = position.get(id) as number;
      let raw: number;
      if (id === 9) raw = hours;
      else if (id === 194 || id === 190) raw = 22 + Math.floor(daily() * 18);
      else if (id === 1 || id === 7) raw = Math.floor(daily() * 2e8);
      else if (id === 241 || id === 242) raw = Math.floor(stable() * 1e11) + day * 1e8;
      else if (id === 5 || id === 197 || id === 198 || id === 187)
        raw = (stable() < 0.03 ? Math.floor(stable() * 50) + day : 0) + wear * wear * 4;
      else raw = Math.floor(stable() * 100);
      fields[at] = String(100 - Math.floor(daily() * 10));
      fields[at + 1] = String(raw);
    }
    buf += fields.join(',') + eol;
    rows++;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return rows;
}
