import type { JobProgress, JobResult, SearchObjective, TrainConfig, TrainResult } from '../api-types';

/** What the engine asks a job worker to do (a trial is asked for by a search's worker, not the engine). */
export type JobOrder = ImportOrder | TrainOrder | ScoreOrder | UpdateOrder | SearchOrder | TrialOrder;

/** A job as asked for, before the manager adds its cancel flag. */
export type JobSpec =
  | Omit<ImportOrder, 'cancelFlag'>
  | Omit<TrainOrder, 'cancelFlag'>
  | Omit<ScoreOrder, 'cancelFlag'>
  | Omit<UpdateOrder, 'cancelFlag'>
  | Omit<SearchOrder, 'cancelFlag'>;

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

/** Score the readings stored since the run in service last scored, and raise its alerts. */
interface UpdateOrder {
  kind: 'update';
  dbPath: string;
  /** The service just started: raise its alerts over every stored window, not only the new ones. */
  backfill: boolean;
  cancelFlag: SharedArrayBuffer;
}

export interface SearchOrder {
  kind: 'search';
  dbPath: string;
  searchId: number;
  cancelFlag: SharedArrayBuffer;
}

/** One trial of a search: train, then (for a detection objective) score and evaluate. */
export interface TrialOrder {
  kind: 'trial';
  dbPath: string;
  config: TrainConfig;
  objective: SearchObjective;
  /** Native engine threads for this trial. */
  threads: number;
  cancelFlag: SharedArrayBuffer;
}

/** What a trial reports at its end: the training result and the objective it reached (null: none). */
/**
 * A trial's run and its objective; `objectiveOn`, for a detection objective: the drives it was measured on (the
 * validation drives, or the evaluation set itself where a cross-validated run has no others).
 */
export type TrialOutcome = TrainResult & {
  objective: number | null;
  objectiveOn?: 'validation' | 'evaluation';
};

/** What a job worker reports back. */
export type JobMessage =
  | { type: 'progress'; progress: JobProgress }
  | { type: 'done'; result: JobResult | TrialOutcome }
  | { type: 'error'; message: string };
