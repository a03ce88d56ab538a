import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/db';
import type { Dataset } from './dataset';
import type { SplitName } from './split';

/**
 * Which drives a run held out, saved beside its weights (`split.json`), so
 * scoring can mark each drive's split and evaluation can use exactly the test
 * set the model never saw, even after more data is imported.
 */
export interface SplitRecord {
  /** Equal keys, equal test sets: runs with the same key are compared with each other. */
  key: string;
  testFromDay: string | null;
  val: number[];
  test: number[];
}

/** Stored in scores.split. */
export const SPLIT_CODE: Record<SplitName, number> = { train: 0, val: 1, test: 2 };

/**
 * `crossValidated`: every drive was scored by a model that did not see it, so every drive is in the evaluation
 * (the test set) and none is only validation.
 */
export function splitRecordOf(db: Db, ds: Dataset, crossValidated = false): SplitRecord {
  const of = (name: SplitName): number[] =>
    Array.from(ds.cube.driveIds)
      .filter((_, row) => ds.split[row] === name)
      .sort((a, b) => a - b);
  const files = db
    .prepare("SELECT sha256 FROM files WHERE status = 'done' ORDER BY sha256")
    .pluck()
    .all() as string[];
  const test = crossValidated ? Array.from(ds.cube.driveIds).sort((a, b) => a - b) : of('test');
  const testFromDay = ds.config.testFromDay;
  // A time split's test set is every drive after the cut; a drive split's is its list of drives.
  const key = createHash('sha256')
    .update(JSON.stringify(testFromDay ? { files, testFromDay } : { files, test }))
    .digest('hex')
    .slice(0, 16);
  return { key, testFromDay, val: crossValidated ? [] : of('val'), test };
}

export function writeSplitRecord(dir: string, r: SplitRecord): void {
  writeFileSync(join(dir, 'split.json'), JSON.stringify(r));
}

/** The run's split, or null for runs saved before splits were recorded. */
export function readSplitRecord(dir: string): SplitRecord | null {
  const file = join(dir, 'split.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SplitRecord) : null;
}
