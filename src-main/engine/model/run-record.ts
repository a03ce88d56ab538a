import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type TrainResult } from '../api-types';
import { fitRobust, type RobustStats } from '../eval/baselines';
import type { Db } from '../store/db';
import { loadCheckpoint } from './checkpoint';
import type { Dataset, DatasetConfig } from './dataset';
import { runDir, type ResolvedTrainConfig } from './run-store';
import { splitRecordOf, writeSplitRecord } from './split-record';
import type { Checkpoint } from './train';

/** What a run records of the engine it trained on. */
export interface RunBackend {
  name: string;
  version: string;
  device: string;
  notices: string[];
}

/** A run's row in \`runs\`, from its start to its result. */
export class RunRecord {
  readonly notices: string[];
  private readonly t0 = performance.now();

  private constructor(
    private readonly db: Db,
    private readonly dbPath: string,
    readonly runId: number,
    readonly backend: RunBackend,
  ) {
    this.notices = [...backend.notices];
  }

  /** A new run's row, marked running. */
  static start(
    db: Db,
    dbPath: string,
    c: ResolvedTrainConfig,
    ds: DatasetConfig,
    backend: RunBackend,
  ): RunRecord {
    const runId = Number(
      db
        .prepare(
          `INSERT INTO runs(kind, status, config, dataset_fingerprint, backend, backend_version, device, started_at)
           VALUES (?, 'running', ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          c.model,
          JSON.stringify(c),
          fingerprint(db, ds),
          backend.name,
          backend.version,
          backend.device,
          new Date().toISOString(),
        ).lastInsertRowid,
    );
    return new RunRecord(db, dbPath, runId, backend);
  }

  /** A resumed run's row (openForResume marked it running again). */
  static resume(db: Db, dbPath: string, runId: number, backend: RunBackend): RunRecord {
    return new RunRecord(db, dbPath, runId, backend);
  }

  get dir(): string {
    return runDir(this.dbPath, this.runId);
  }

  /** Seconds since the run (or this resumption) started. */
  get seconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** Stores how the run ended and returns it as the job's result. */
  finish(status: TrainResult['status'], extra: Partial<TrainResult> = {}): TrainResult {
    const r: TrainResult = {
      runId: this.runId,
      status,
      backend: this.backend.name,
      device: this.backend.device,
      epochs: extra.epochs ?? 0,
      finalLoss: extra.finalLoss ?? null,
      valLoss: extra.valLoss ?? null,
      seconds: this.seconds,
      notices: this.notices,
      error: extra.error,
    };
    this.db
      .prepare(
        `UPDATE runs SET status = ?, finished_at = ?, seconds = ?, epochs_done = ?, final_loss = ?, val_loss = ?,
         notices = ?, error = ?, weights_dir = ? WHERE id = ?`,
      )
      .run(
        status,
        new Date().toISOString(),
        r.seconds,
        r.epochs,
        r.finalLoss,
        r.valLoss,
        JSON.stringify(this.notices),
        r.error ?? null,
        extra.error ? null : this.dir,
        this.runId,
      );
    return r;
  }
}

/** What scoring needs beside the model: the scaler, the split, the robust baseline and the settings. */
export function writeRunFiles(db: Db, dir: string, ds: Dataset, c: ResolvedTrainConfig): void {
  writeFileSync(join(dir, 'scaler.json'), JSON.stringify(ds.scaler));
  writeSplitRecord(dir, splitRecordOf(db, ds, c.folds >= 2));
  writeFileSync(join(dir, 'robust.json'), JSON.stringify(fitRobustBaseline(db, ds)));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
}

/** The robust z-score baseline, fitted on the same training drives and days as the scaler. */
function fitRobustBaseline(db: Db, ds: Dataset): RobustStats {
  const modelOf = new Map(db.prepare('SELECT id, model FROM drives').raw().all() as [number, string][]);
  return fitRobust(
    ds.cube,
    ds.split.map((s) => s === 'train'),
    Array.from(ds.cube.driveIds, (id) => modelOf.get(id) ?? ''),
    ds.testFrom === null ? ds.cube.days : ds.testFrom - ds.cube.firstDay,
  );
}

/** sha256 over the imported files (by content) and the dataset settings: equal fingerprints, equal data. */
function fingerprint(db: Db, d: DatasetConfig): string {
  const files = db
    .prepare("SELECT sha256 FROM files WHERE status = 'done' ORDER BY sha256")
    .pluck()
    .all() as string[];
  return createHash('sha256').update(JSON.stringify({ files, d })).digest('hex');
}

/** Checks that a run can be resumed and prepares its row: telemetry after the checkpoint is dropped. */
export function openForResume(
  db: Db,
  dbPath: string,
  runId: number,
): { runId: number; config: ResolvedTrainConfig; checkpoint: Checkpoint } {
  const row = db.prepare('SELECT status, config FROM runs WHERE id = ?').get(runId) as
    { status: string; config: string } | undefined;
  if (!row) throw new ApiError('not-found', `no training run with id ${runId}`);
  if (row.status === 'running' || row.status === 'done') {
    throw new ApiError(
      'conflict',
      `run ${runId} is ${row.status}; only a cancelled or failed run can be resumed`,
    );
  }
  const checkpoint = loadCheckpoint(runDir(dbPath, runId));
  if (!checkpoint)
    throw new ApiError(
      'conflict',
      `run ${runId} stopped before its first epoch ended: there is no checkpoint to resume from`,
    );
  db.transaction(() => {
    db.prepare('DELETE FROM run_batches WHERE run_id = ? AND epoch >= ?').run(runId, checkpoint.epoch);
    db.prepare('DELETE FROM run_epochs WHERE run_id = ? AND epoch >= ?').run(runId, checkpoint.epoch);
    db.prepare(
      "UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, epochs_done = ? WHERE id = ?",
    ).run(checkpoint.epoch, runId);
  })();
  return { runId, config: JSON.parse(row.config) as ResolvedTrainConfig, checkpoint };
}
