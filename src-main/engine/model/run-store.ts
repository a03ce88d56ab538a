import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { TrainConfig } from '../api-types';
import type { Db } from '../store/db';

/**
 * A run's rows and folder, without any ML library: what the engine's own thread needs of runs (deleting one, finding
 * its folder). Training and scoring, which load TensorFlow.js or the native engine, live in the workers.
 */

/** Every setting of a run, defaults filled in: what is stored with the run and its weights. */
export type ResolvedTrainConfig = Required<Omit<TrainConfig, 'backend'>> & Pick<TrainConfig, 'backend'>;

/** Where a run's weights live: beside the workspace database, one folder per run. */
export function runDir(dbPath: string, runId: number): string {
  return join(dirname(dbPath), `${basename(dbPath)}.runs`, String(runId));
}

/** Whether a run's folder holds a whole checkpoint (both files: checkpoint.ts writes them by rename). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'checkpoint.json')) && existsSync(join(dir, 'checkpoint.bin'));
}

/** Deletes a run: its row, its telemetry, its scores (and any set being written aside) and its folder. */
export function deleteRun(db: Db, dbPath: string, runId: number): number {
  const n = db.transaction(() => {
    db.prepare('DELETE FROM scores WHERE run_id IN (?, ?)').run(runId, -runId);
    db.prepare('DELETE FROM recent_windows WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM run_batches WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM run_epochs WHERE run_id = ?').run(runId);
    db.prepare('DELETE FROM run_thresholds WHERE run_id = ?').run(runId);
    return db.prepare('DELETE FROM runs WHERE id = ?').run(runId).changes;
  })();
  rmSync(runDir(dbPath, runId), { recursive: true, force: true });
  return n;
}
