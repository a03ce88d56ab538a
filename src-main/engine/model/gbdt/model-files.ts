import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files of a tree run's folder: the final model, each fold's model, and which fold held out each drive. */
export const GBDT_FILE = 'gbdt.json';
export const FOLDS_FILE = 'folds.json';
export const foldFile = (k: number): string => `gbdt-fold-${k + 1}.json`;
/** The final model in XGBoost's JSON format, for Python. */
export const XGBOOST_FILE = 'gbdt.xgboost.json';
/** A cross-validated network's fold K (1-based), in the tfjs layers format. */
export const networkFoldDir = (k: number): string => `fold-${k + 1}`;

/** A run's cross-validation: which fold held out each drive (drive id -> fold). */
export interface FoldsFile {
  folds: number;
  seed: number;
  fold: Record<string, number>;
}

/** Writes which fold held out each drive (cube row -> fold, by the rows' drive ids). */
export function writeFolds(
  dir: string,
  driveIds: Int32Array,
  fold: Int32Array,
  folds: number,
  seed: number,
): void {
  const record: FoldsFile = {
    folds,
    seed,
    fold: Object.fromEntries(Array.from(driveIds, (id, row) => [String(id), fold[row]])),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, FOLDS_FILE), JSON.stringify(record));
}

/** The run's cross-validation, or null for a run evaluated on its held-out split. */
export function readFolds(dir: string): FoldsFile | null {
  const file = join(dir, FOLDS_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FoldsFile) : null;
}
