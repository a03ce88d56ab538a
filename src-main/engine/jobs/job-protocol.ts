import type { ImportProgress, ImportResult, TrainConfig, TrainProgress, TrainResult } from '../api-types';

/** What the engine asks a job worker to do. */
export type JobOrder = ImportOrder | TrainOrder;

/** A job as asked for, before the manager adds its cancel flag. */
export type JobSpec = Omit<ImportOrder, 'cancelFlag'> | Omit<TrainOrder, 'cancelFlag'>;

interface ImportOrder {
  kind: 'import';
  dbPath: string;
  paths: string[];
  /** Int32 flag: the engine sets [0] to 1 to cancel; the worker checks it between chunks. */
  cancelFlag: SharedArrayBuffer;
}

interface TrainOrder {
  kind: 'train';
  dbPath: string;
  config: TrainConfig;
  /** Int32 flag: the engine sets [0] to 1 to cancel; the worker checks it between chunks. */
  cancelFlag: SharedArrayBuffer;
}

/** What a job worker reports back. */
export type JobMessage =
  | { type: 'progress'; progress: ImportProgress | TrainProgress }
  | { type: 'done'; result: ImportResult | TrainResult }
  | { type: 'error'; message: string };
