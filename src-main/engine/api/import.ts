/** Importing Backblaze files: what was stored, what was rejected, the progress of a job. */

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

/** The import slice of the Api. */
export interface ImportApi {
  'import/start': { req: { paths: string[] }; res: { jobId: string } };
  'import/sample': { req: Record<string, never>; res: { jobId: string } };
  'import/files': { req: Record<string, never>; res: ImportedFile[] };
  'import/rejects': {
    req: { fileId?: number; offset?: number; limit?: number };
    res: { total: number; rows: RejectedRow[] };
  };
}

export const IMPORT_KEYS: Record<keyof ImportApi, true> = {
  'import/start': true,
  'import/sample': true,
  'import/files': true,
  'import/rejects': true,
};
