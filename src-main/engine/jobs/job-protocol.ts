import type {
  ImportProgress,
  ImportResult,
  ScoreProgress,
  ScoreResult,
  TrainConfig,
  TrainProgress,
  TrainResult,
} from '../api-types';

/** What the engine asks a job worker to do. */
export type JobOrder = ImportOrder | TrainOrder | ScoreOrder;

/** A job as asked for, before the manager adds its cancel flag. */
export type JobSpec =
  Omit<ImportOrder, 'cancelFlag'> | Omit<TrainOrder, 'cancelFlag'> | Omit<ScoreOrder, 'cancelFlag'>;

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
  /** Continue this run from its checkpoint instead of starting a new one. */
  resumeRunId?: number;
  /** Int32 flag: the engine sets [0] to 1 to cancel; the worker checks it between chunks. */
  cancelFlag: SharedArrayBuffer;
}

interface ScoreOrder {
  kind: 'score';
  dbPath: string;
  runId: number;
  cancelFlag: SharedArrayBuffer;
}

/** What a job worker reports back. */
export type JobMessage =
  | { type: 'progress'; progress: ImportProgress | TrainProgress | ScoreProgress }
  | { type: 'done'; result: ImportResult | TrainResult | ScoreResult }
  | { type: 'error'; message: string };
