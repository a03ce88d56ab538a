import { rng, shuffle } from './rng';

export type SplitName = 'train' | 'val' | 'test';

export interface SplitOptions {
  valFraction: number;
  testFraction: number;
  seed: number;
}

/**
 * Assigns each drive (never each window) to train, validation or test, seeded
 * and stratified by failure: failed and healthy drives are shuffled and cut
 * apart, so every split gets its share of the rare failures.
 */
export function splitDrives(failed: boolean[], o: SplitOptions): SplitName[] {
  if (o.valFraction < 0 || o.testFraction < 0 || o.valFraction + o.testFraction >= 1) {
    throw new Error('validation and test fractions must be >= 0 and leave room for training');
  }
  const out: SplitName[] = new Array<SplitName>(failed.length).fill('train');
  const random = rng(o.seed);
  for (const group of [true, false]) {
    const members = shuffle(
      failed.flatMap((f, i) => (f === group ? [i] : [])),
      random,
    );
    const nTest = Math.round(members.length * o.testFraction);
    const nVal = Math.round(members.length * o.valFraction);
    members.forEach((d, k) => (out[d] = k < nTest ? 'test' : k < nTest + nVal ? 'val' : 'train'));
  }
  return out;
}

/**
 * Assigns each drive to one of k folds, seeded and stratified by failure: failed and healthy drives are each
 * shuffled and dealt round the folds, so every fold holds its share of the failures (within one drive).
 */
export function assignFolds(failed: boolean[], k: number, seed: number): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw new Error('cross-validation needs at least 2 folds');
  const fold = new Int32Array(failed.length);
  const random = rng(seed);
  let next = 0;
  for (const group of [true, false]) {
    const members = shuffle(
      failed.flatMap((f, i) => (f === group ? [i] : [])),
      random,
    );
    // Healthy drives continue the deal where the failed ones stopped, so fold sizes differ by one at most.
    for (const d of members) fold[d] = next++ % k;
  }
  return fold;
}
