import type { ImportFileResult, ImportProgress, ImportResult } from '../api-types';
import type { Db } from '../store/db';
import { FileImporter } from './file-importer';
import { acquireImportLock } from './import-lock';
import { expandInputs } from './sources';

export interface ImportHooks {
  onProgress?(p: ImportProgress): void;
  isCancelled?(): boolean;
  /** Minimum milliseconds between progress reports. */
  progressEveryMs?: number;
}

/** Imports files, gzips, zips and folders of them, in name order, one file at a time. */
export async function runImport(db: Db, paths: string[], hooks: ImportHooks = {}): Promise<ImportResult> {
  const t0 = performance.now();
  const { sources, skipped } = await expandInputs(paths);
  const release = acquireImportLock(db.name);
  const importer = new FileImporter(db);
  const bytesTotal = sources.reduce((s, x) => s + x.size, 0);
  const every = hooks.progressEveryMs ?? 250;
  const isCancelled = hooks.isCancelled ?? (() => false);
  let bytesBefore = 0;
  let rowsBefore = 0;
  let lastReport = 0;
  const files: ImportFileResult[] = [];
  let cancelled = false;
  try {
    for (let i = 0; i < sources.length; i++) {
      const src = sources[i];
      if (isCancelled()) {
        cancelled = true;
        break;
      }
      const report = (bytesInFile: number, rowsInFile: number, force = false): void => {
        const now = performance.now();
        if (!hooks.onProgress || (!force && now - lastReport < every)) return;
        lastReport = now;
        const bytesDone = bytesBefore + Math.min(bytesInFile, src.size);
        const rowsDone = rowsBefore + rowsInFile;
        const secs = (now - t0) / 1000;
        const rate = secs > 0 ? bytesDone / secs : 0;
        hooks.onProgress({
          fraction: bytesTotal > 0 ? bytesDone / bytesTotal : 1,
          bytesDone,
          bytesTotal,
          rowsDone,
          rowsPerSec: secs > 0 ? rowsDone / secs : 0,
          etaSec: rate > 0 ? (bytesTotal - bytesDone) / rate : null,
          currentFile: src.name,
          filesDone: i,
          filesTotal: sources.length,
        });
      };
      report(0, 0, true);
      const result = await importer.importSource(src, {
        onProgress: (p) => report(p.storedBytes, p.rows),
        isCancelled,
      });
      files.push(result);
      bytesBefore += src.size;
      rowsBefore += result.rowsAccepted + result.rowsRejected + result.rowsDuplicate;
      report(0, 0, true);
      if (result.status === 'interrupted') {
        cancelled = true;
        break;
      }
    }
  } finally {
    await importer.close();
    release();
  }
  const sum = (k: 'rowsAccepted' | 'rowsRejected' | 'rowsDuplicate'): number =>
    files.reduce((s, f) => s + f[k], 0);
  return {
    files,
    skipped,
    rowsAccepted: sum('rowsAccepted'),
    rowsRejected: sum('rowsRejected'),
    rowsDuplicate: sum('rowsDuplicate'),
    cancelled,
    seconds: (performance.now() - t0) / 1000,
  };
}
