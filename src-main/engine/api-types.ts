/**
 * The one door between the UI and the engine: every request the engine answers
 * and every event it pushes, typed end to end. Electron IPC, the web-mode
 * HTTP/WebSocket server, the CLI and the tests all go through this table.
 * Each domain's requests and types live in its slice, `api/<domain>.ts` (its part
 * of the table and its key list); this file joins them. Types and key lists only
 * (no runtime dependencies), so the preload and the renderer can import it.
 */

import { APP_KEYS, type AppApi } from './api/app';
import { DRIVES_KEYS, type DrivesApi } from './api/drives';
import { IMPORT_KEYS, type ImportApi } from './api/import';
import { RUNS_KEYS, type RunsApi } from './api/runs';
import { SCORES_KEYS, type ScoresApi } from './api/scores';
import { EVAL_KEYS, type EvalApi } from './api/eval';
import { SEARCH_KEYS, type SearchApi } from './api/search';
import { REPORT_KEYS, type ReportApi } from './api/report';
import { JOBS_KEYS, type JobsApi } from './api/jobs';
import { TRIAGE_KEYS, type TriageApi } from './api/triage';
import type { JobInfo, JobKind, JobProgress } from './api/jobs';

export * from './api/app';
export * from './api/drives';
export * from './api/import';
export * from './api/runs';
export * from './api/scores';
export * from './api/eval';
export * from './api/search';
export * from './api/report';
export * from './api/jobs';
export * from './api/triage';

/** Request and response of every Api key: the slices joined. */
export interface ApiTable
  extends
    AppApi,
    DrivesApi,
    ImportApi,
    RunsApi,
    ScoresApi,
    EvalApi,
    SearchApi,
    ReportApi,
    JobsApi,
    TriageApi {}

export type ApiKey = keyof ApiTable;
export type ApiRequest<K extends ApiKey> = ApiTable[K]['req'];
export type ApiResponse<K extends ApiKey> = ApiTable[K]['res'];

/** Everything the engine pushes. */
export interface Events {
  'job/progress': { jobId: string; kind: JobKind; progress: JobProgress };
  'job/finished': JobInfo;
  'data/changed': { reason: string };
}
export type EventKey = keyof Events;

/** Every key once: a Record over ApiKey, so a key missing from its slice's list fails the type check. */
const ALL_KEYS: Record<ApiKey, true> = {
  ...APP_KEYS,
  ...DRIVES_KEYS,
  ...IMPORT_KEYS,
  ...RUNS_KEYS,
  ...SCORES_KEYS,
  ...EVAL_KEYS,
  ...SEARCH_KEYS,
  ...REPORT_KEYS,
  ...JOBS_KEYS,
  ...TRIAGE_KEYS,
};

/** The keys the transports allow (the preload's and the web server's allowlist). */
export const API_KEYS = Object.keys(ALL_KEYS) as ApiKey[];

export const EVENT_KEYS = [
  'job/progress',
  'job/finished',
  'data/changed',
] as const satisfies readonly EventKey[];

/** The error every transport returns: a code for programs and a sentence for people. */
export interface ApiErrorBody {
  code: 'bad-request' | 'forbidden' | 'not-found' | 'conflict' | 'internal';
  message: string;
  /**
   * A request refused for its fields: each field's problems in words, the field named as the request names it
   * (a training setting without its `config.` prefix: `epochs`, `loss.gamma`), so a form shows each beside its field.
   */
  fields?: Record<string, string[]>;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

/** An error as every transport sends it. */
export const errorBody = (e: ApiError): ApiErrorBody => ({
  code: e.code,
  message: e.message,
  ...(e.fields ? { fields: e.fields } : {}),
});

/** The shape every transport offers to its callers. */
export interface ApiClient {
  call<K extends ApiKey>(key: K, arg: ApiRequest<K>): Promise<ApiResponse<K>>;
  on<E extends EventKey>(event: E, cb: (data: Events[E]) => void): () => void;
}
