import type { RunInfo } from '../../../src-main/engine/api-types';

/** The runs table's sortable columns. */
export type RunSortKey =
  'id' | 'name' | 'kind' | 'status' | 'epochs' | 'valLoss' | 'ap' | 'detection' | 'seconds' | 'startedAt';

export interface RunSort {
  key: RunSortKey;
  dir: 'asc' | 'desc';
}

/** The newest run first, as the engine lists them. */
export const NEWEST_FIRST: RunSort = { key: 'id', dir: 'desc' };

const value = (r: RunInfo, key: RunSortKey): number | string | null => {
  switch (key) {
    case 'id':
      return r.id;
    case 'name':
      return r.name;
    case 'kind':
      return r.kind;
    case 'status':
      return r.status;
    case 'epochs':
      return r.epochsDone;
    case 'valLoss':
      return r.valLoss;
    case 'ap':
      return r.evaluation?.averagePrecision ?? null;
    case 'detection':
      return r.evaluation?.detectionAtFar1 ?? null;
    case 'seconds':
      return r.seconds;
    case 'startedAt':
      return r.startedAt;
  }
};

/**
 * The runs in the order asked for. A run without the value (not yet scored, unnamed, no validation loss) goes last
 * in either direction, so "best AP first" never opens on a column of dashes; ties keep the newest run first.
 */
export function sortRuns(runs: RunInfo[], s: RunSort): RunInfo[] {
  const sign = s.dir === 'asc' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const x = value(a, s.key);
    const y = value(b, s.key);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else if (x !== y) {
      const order =
        typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (order !== 0) return sign * order;
    }
    return b.id - a.id;
  });
}

/** A header click: the same column flips its direction; a new one starts where its best values are. */
export function nextSort(current: RunSort, key: RunSortKey): RunSort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  // Lower is better for a loss and a duration; text reads A to Z; the rest, higher first.
  const ascending: RunSortKey[] = ['valLoss', 'seconds', 'name', 'kind', 'status'];
  return { key, dir: ascending.includes(key) ? 'asc' : 'desc' };
}
