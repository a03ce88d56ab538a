/** Background jobs (import, train, score, search): their state, progress and results. */
import type { ImportProgress, ImportResult } from './import';
import type { TrainProgress, TrainResult } from './runs';
import type { ScoreProgress, ScoreResult } from './scores';
import type { SearchProgress, SearchResult } from './search';
import type { UpdateResult } from './triage';

/** update: scoring the days imported since the last update with the run in service, and raising its alerts. */
export type JobKind = 'import' | 'train' | 'score' | 'search' | 'update';

export type JobProgress = ImportProgress | TrainProgress | ScoreProgress | SearchProgress;
export type JobResult = ImportResult | TrainResult | ScoreResult | SearchResult | UpdateResult;

export function isImportProgress(p: JobProgress): p is ImportProgress {
  return 'bytesDone' in p;
}

export function isImportResult(r: JobResult): r is ImportResult {
  return 'files' in r;
}
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  label: string;
  progress: JobProgress | null;
  result: JobResult | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** A job this one started on finishing (an import's scoring of the new days), once started. */
  followUpJobId?: string;
}

/** The jobs slice of the Api. */
export interface JobsApi {
  'jobs/list': { req: Record<string, never>; res: JobInfo[] };
  'jobs/get': { req: { id: string }; res: JobInfo };
  'jobs/cancel': { req: { id: string }; res: JobInfo };
}

export const JOBS_KEYS: Record<keyof JobsApi, true> = {
  'jobs/list': true,
  'jobs/get': true,
  'jobs/cancel': true,
};
