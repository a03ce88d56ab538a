import { describe, expect, test } from 'vitest';
import type { RunInfo } from '../../../src-main/engine/api-types';
import { NEWEST_FIRST, nextSort, sortRuns } from './run-sort';

const run = (id: number, r: Partial<RunInfo>): RunInfo =>
  ({
    id,
    kind: 'gbdt',
    status: 'done',
    name: null,
    epochsDone: 1,
    valLoss: null,
    seconds: 10,
    startedAt: `2026-12-0${id}T00:00:00Z`,
    evaluation: null,
    ...r,
  }) as RunInfo;

const runs = [
  run(1, { evaluation: { averagePrecision: 0.3, detectionAtFar1: 0.5 }, valLoss: 0.2, name: 'beta' }),
  run(2, { kind: 'lstm-ae', valLoss: 0.1 }),
  run(3, { evaluation: { averagePrecision: 0.55, detectionAtFar1: 0.5 }, name: 'alpha', seconds: 4 }),
  run(4, { evaluation: { averagePrecision: null, detectionAtFar1: null }, kind: 'conv-ae', valLoss: 0.3 }),
];
const ids = (rs: RunInfo[]): number[] => rs.map((r) => r.id);

describe('sorting the runs table', () => {
  test('newest first by default; best AP first with unscored runs last either way', () => {
    expect(ids(sortRuns(runs, NEWEST_FIRST))).toEqual([4, 3, 2, 1]);
    expect(ids(sortRuns(runs, { key: 'ap', dir: 'desc' }))).toEqual([3, 1, 4, 2]);
    expect(ids(sortRuns(runs, { key: 'ap', dir: 'asc' }))).toEqual([1, 3, 4, 2]);
  });

  test('ties keep the newest first; text sorts A to Z; losses lowest first', () => {
    expect(ids(sortRuns(runs, { key: 'detection', dir: 'desc' }))).toEqual([3, 1, 4, 2]);
    expect(ids(sortRuns(runs, { key: 'name', dir: 'asc' }))).toEqual([3, 1, 4, 2]);
    expect(ids(sortRuns(runs, { key: 'kind', dir: 'asc' }))).toEqual([4, 3, 1, 2]);
    expect(ids(sortRuns(runs, { key: 'valLoss', dir: 'asc' }))).toEqual([2, 1, 4, 3]);
    expect(ids(sortRuns(runs, { key: 'seconds', dir: 'asc' }))).toEqual([3, 4, 2, 1]);
  });

  test('a header click flips its column, and a new column starts at its best values', () => {
    expect(nextSort(NEWEST_FIRST, 'id')).toEqual({ key: 'id', dir: 'asc' });
    expect(nextSort(NEWEST_FIRST, 'ap')).toEqual({ key: 'ap', dir: 'desc' });
    expect(nextSort(NEWEST_FIRST, 'valLoss')).toEqual({ key: 'valLoss', dir: 'asc' });
    expect(nextSort({ key: 'ap', dir: 'desc' }, 'ap')).toEqual({ key: 'ap', dir: 'asc' });
  });

  test('the list given is left as it was', () => {
    const copy = [...runs];
    sortRuns(runs, { key: 'ap', dir: 'desc' });
    expect(runs).toEqual(copy);
  });
});
