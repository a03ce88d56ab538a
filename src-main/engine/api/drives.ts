/** The drive catalogue: the fleet summary, drive pages and one drive's SMART series. */

export type DriveStatus = 'all' | 'failed' | 'healthy';
export type DriveSort =
  | 'serial'
  | 'model'
  | 'capacity'
  | 'firstDay'
  | 'lastDay'
  | 'daysSeen'
  | 'failureDay'
  /** The drive's score under the run given with the query (its worst window). */
  | 'score';

export interface DriveRow {
  serial: string;
  model: string;
  capacityBytes: number | null;
  firstDay: string;
  lastDay: string;
  daysSeen: number;
  failureDay: string | null;
  /** With a run in the query: the drive's score (its worst window), null when it has none. */
  score?: number | null;
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

/** A page of the drive catalogue: filters, order and window. */
export interface DriveListRequest {
  model?: string;
  status?: DriveStatus;
  search?: string;
  sort?: DriveSort;
  dir?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
  /** Adds each drive's score under this run (and allows sorting by it). */
  runId?: number;
  /** With runId: also count the drives the filters match whose score reaches this threshold. */
  flaggedAt?: number;
}

/** The drives slice of the Api. */
export interface DrivesApi {
  'dataset/summary': { req: Record<string, never>; res: DatasetSummary };
  'drives/list': {
    req: DriveListRequest;
    /** flagged: with flaggedAt, how many of the `total` drives reach it. */
    res: { total: number; flagged?: number; rows: DriveRow[] };
  };
  'drives/models': { req: Record<string, never>; res: string[] };
  'drives/series': { req: { serial: string; attributes?: string[] }; res: DriveSeries };
}

export const DRIVES_KEYS: Record<keyof DrivesApi, true> = {
  'dataset/summary': true,
  'drives/list': true,
  'drives/models': true,
  'drives/series': true,
};
