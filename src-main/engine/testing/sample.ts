import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The bundled sample's folder (tests import it, and day files one at a time from it). */
export const SAMPLE = resolve(__dirname, '../../../resources/sample');

/** The sample's daily files, oldest first. */
export const SAMPLE_DAYS: readonly string[] = readdirSync(SAMPLE)
  .filter((f) => f.endsWith('.csv.gz'))
  .sort()
  .map((f) => join(SAMPLE, f));
