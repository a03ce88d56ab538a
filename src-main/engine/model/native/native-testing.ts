import type { TestContext } from 'node:test';
import { loadNative, type NativeModule } from './addon';

/**
 * The addon for a test, or a skip that says why. Where the native engine must
 * be there (CI sets DRIVE_TRIAGE_REQUIRE_NATIVE=1), its absence fails instead.
 */
export function nativeOrSkip(t: TestContext): NativeModule | null {
  const { module, error } = loadNative();
  if (module) return module;
  if (process.env.DRIVE_TRIAGE_REQUIRE_NATIVE === '1')
    throw new Error(`the native engine is required: ${error}`);
  t.skip(`native engine not available: ${error}`);
  return null;
}

/** ||a - b|| / ||b||: the relative error of a whole tensor. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / Math.max(n, 1e-30));
}
