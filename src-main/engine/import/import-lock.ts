import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * One importer at a time per workspace, across processes: two CLI imports that both add columns would otherwise
 * race for the same attribute slots. The lock is a file beside the database holding the writer's pid; a lock whose
 * process is gone (killed mid-import) is taken over.
 */
export class ImportBusyError extends Error {
  constructor(readonly pid: number) {
    super(`another import is running into this workspace (pid ${pid}); wait for it to finish`);
  }
}

const lockPath = (dbPath: string): string => `${dbPath}.import-lock`;

/** The pid of a live process importing into this workspace, if any. */
export function importLockHolder(dbPath: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath(dbPath), 'utf8').trim());
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/** Takes the lock or throws ImportBusyError; the returned function releases it. */
export function acquireImportLock(dbPath: string): () => void {
  if (dbPath === '' || dbPath === ':memory:') return () => undefined;
  const path = lockPath(dbPath);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = importLockHolder(dbPath);
      if (holder !== null) throw new ImportBusyError(holder);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new ImportBusyError(importLockHolder(dbPath) ?? 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
