import { splitOfWindow, type Dataset } from './dataset';
import type { SplitName } from './split';

/**
 * Every window of a dataset as a reference (cube row, index of its last day,
 * label): 9 bytes a window instead of S x F floats, so a shuffled epoch over
 * millions of windows costs no more memory than the cube itself.
 */
export interface WindowIndex {
  row: Int32Array;
  end: Int32Array;
  label: Uint8Array;
  count: number;
}

export function indexWindows(
  ds: Dataset,
  q: { splits: SplitName[]; healthyOnly: boolean; maxWindows?: number },
): WindowIndex {
  const { cube, config } = ds;
  const S = config.windowDays;
  const wanted = new Set<SplitName | null>(q.splits);
  const rows: number[] = [];
  const ends: number[] = [];
  const labels: number[] = [];
  for (let row = 0; row < cube.driveIds.length; row++) {
    if (ds.testFrom === null && !wanted.has(ds.split[row])) continue;
    const fail = ds.failureDay[row];
    if (q.healthyOnly && fail >= 0) continue;
    let run = 0;
    for (let d = 0; d < cube.days; d++) {
      run = cube.present[row * cube.days + d] ? run + 1 : 0;
      if (run < S || (d - S + 1) % config.stride !== 0) continue;
      const endDay = cube.firstDay + d;
      if (!wanted.has(splitOfWindow(ds, row, endDay))) continue;
      rows.push(row);
      ends.push(d);
      labels.push(fail >= 0 && fail >= endDay && fail - endDay <= config.horizonDays ? 1 : 0);
    }
  }
  return {
    row: Int32Array.from(rows),
    end: Int32Array.from(ends),
    label: Uint8Array.from(labels),
    count: rows.length,
  };
}

/** Copies windows order[from .. from + n) into x ([n, S, F]) and their labels into y. */
export function fillBatch(
  ds: Dataset,
  idx: WindowIndex,
  order: Int32Array,
  from: number,
  n: number,
  x: Float32Array,
  y: Uint8Array,
): void {
  const { cube } = ds;
  const F = cube.features.length;
  const size = ds.config.windowDays * F;
  for (let k = 0; k < n; k++) {
    const w = order[from + k];
    const start = (idx.row[w] * cube.days + idx.end[w] - ds.config.windowDays + 1) * F;
    x.set(cube.values.subarray(start, start + size), k * size);
    y[k] = idx.label[w];
  }
}
