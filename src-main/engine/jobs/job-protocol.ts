import type { ImportProgress, ImportResult } from '../api-types';

/** What the engine asks a job worker to do. */
export interface JobOrder {
  kind: 'import';
  dbPath: string;
  paths: string[];
  /** Int32 flag: the engine sets [0] to 1 to cancel; the worker checks it between chunks. */
  cancelFlag: SharedArrayBuffer;
}

/** What a job worker reports back. */
export type JobMessage =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; result: ImportResult }
  | { type: 'error'; message: string };
