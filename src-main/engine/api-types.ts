/**
 * The one door between the UI and the engine: every request the engine answers
 * and every event it pushes, typed end to end. Electron IPC, the web-mode
 * HTTP/WebSocket server, the CLI and the tests all go through this table.
 * This file holds types and key lists only (no runtime dependencies), so the
 * preload and the renderer can import it.
 */

export type DriveStatus = 'all' | 'failed' | 'healthy';
export type DriveSort = 'serial' | 'model' | 'capacity' | 'firstDay' | 'lastDay' | 'daysSeen' | 'failureDay';

export interface DriveRow {
  serial: string;
  model: string;
  capacityBytes: number | null;
  firstDay: string;
  lastDay: string;
  daysSeen: number;
  failureDay: string | null;
}

export interface AttributeInfo {
  name: string;
  smartId: number | null;
  kind: 'raw' | 'normalized' | 'extra';
  /** Share of all stored readings that have a value for it, 0..1. */
  fillRate: number;
}

export interface DatasetSummary {
  rows: number;
  drives: number;
  failures: number;
  days: number;
  firstDay: string | null;
  lastDay: string | null;
  models: { model: string; drives: number; failures: number }[];
  attributes: AttributeInfo[];
  files: number;
}

export interface DriveSeries {
  drive: DriveRow;
  days: string[];
  failure: number[];
  series: { name: string; values: (number | null)[] }[];
}

export interface ImportedFile {
  id: number;
  name: string;
  size: number;
  sha256: string;
  status: 'running' | 'done' | 'interrupted';
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  startedAt: string;
  finishedAt: string | null;
}

export interface RejectedRow {
  file: string;
  line: number;
  reason: string;
  raw: string;
}

export interface ImportFileResult {
  name: string;
  status: 'imported' | 'already-imported' | 'refused' | 'interrupted';
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  message?: string;
}

export interface ImportResult {
  files: ImportFileResult[];
  skipped: { name: string; reason: string }[];
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  cancelled: boolean;
  seconds: number;
}

export interface ImportProgress {
  fraction: number;
  bytesDone: number;
  bytesTotal: number;
  rowsDone: number;
  rowsPerSec: number;
  etaSec: number | null;
  currentFile: string;
  filesDone: number;
  filesTotal: number;
}

export type JobKind = 'import';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  label: string;
  progress: ImportProgress | null;
  result: ImportResult | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface AppInfo {
  version: string;
  dbPath: string;
  mode: 'electron' | 'web' | 'cli';
  sampleAvailable: boolean;
  empty: boolean;
}

/** Request and response of every Api key. */
export interface ApiTable {
  'app/info': { req: Record<string, never>; res: AppInfo };
  'dataset/summary': { req: Record<string, never>; res: DatasetSummary };
  'drives/list': {
    req: {
      model?: string;
      status?: DriveStatus;
      search?: string;
      sort?: DriveSort;
      dir?: 'asc' | 'desc';
      offset?: number;
      limit?: number;
    };
    res: { total: number; rows: DriveRow[] };
  };
  'drives/models': { req: Record<string, never>; res: string[] };
  'drives/series': { req: { serial: string; attributes?: string[] }; res: DriveSeries };
  'import/start': { req: { paths: string[] }; res: { jobId: string } };
  'import/sample': { req: Record<string, never>; res: { jobId: string } };
  'import/files': { req: Record<string, never>; res: ImportedFile[] };
  'import/rejects': {
    req: { fileId?: number; offset?: number; limit?: number };
    res: { total: number; rows: RejectedRow[] };
  };
  'jobs/list': { req: Record<string, never>; res: JobInfo[] };
  'jobs/get': { req: { id: string }; res: JobInfo };
  'jobs/cancel': { req: { id: string }; res: JobInfo };
}

export type ApiKey = keyof ApiTable;
export type ApiRequest<K extends ApiKey> = ApiTable[K]['req'];
export type ApiResponse<K extends ApiKey> = ApiTable[K]['res'];

/** Everything the engine pushes. */
export interface Events {
  'job/progress': { jobId: string; kind: JobKind; progress: ImportProgress };
  'job/finished': JobInfo;
  'data/changed': { reason: string };
}
export type EventKey = keyof Events;

export const API_KEYS = [
  'app/info',
  'dataset/summary',
  'drives/list',
  'drives/models',
  'drives/series',
  'import/start',
  'import/sample',
  'import/files',
  'import/rejects',
  'jobs/list',
  'jobs/get',
  'jobs/cancel',
] as const satisfies readonly ApiKey[];

export const EVENT_KEYS = [
  'job/progress',
  'job/finished',
  'data/changed',
] as const satisfies readonly EventKey[];

/** The error every transport returns: a code for programs and a sentence for people. */
export interface ApiErrorBody {
  code: 'bad-request' | 'not-found' | 'conflict' | 'internal';
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
  ) {
    super(message);
  }
}

/** The shape every transport offers to its callers. */
export interface ApiClient {
  call<K extends ApiKey>(key: K, arg: ApiRequest<K>): Promise<ApiResponse<K>>;
  on<E extends EventKey>(event: E, cb: (data: Events[E]) => void): () => void;
}
