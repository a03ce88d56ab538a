import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../src-main/engine/engine';
import { rng } from '../src-main/engine/model/rng';
import { writeSplitRecord } from '../src-main/engine/model/split-record';
import { toBlob as blob } from '../src-main/engine/store/blobs';

const FIRST_DAY = 19_000;
/** Distinct SMART numbers for the synthetic features (a scaler never names one twice). */
const ATTRIBUTES = [
  5, 187, 188, 197, 198, 1, 3, 4, 7, 9, 10, 12, 183, 184, 189, 190, 192, 193, 194, 199, 240, 241, 242,
];

export interface ScoredStoreOptions {
  drives: number;
  perDrive: number;
  /** Also store each window's last-day error for this many attributes (drive detail's heatmap). */
  features?: number;
}

/**
 * A scored run without training: `drives` test drives x `perDrive` windows of
 * synthetic scores, 1% of drives failing with their last windows scoring higher.
 * Run 1, weights folder `runsDir` (split.json, and scaler.json with attribute names).
 */
export function fillStore(engine: Engine, runsDir: string, opts: ScoredStoreOptions): number {
  const { drives: DRIVES, perDrive: PER_DRIVE } = opts;
  const F = opts.features ?? 0;
  const db = engine.db;
  const random = rng(42);
  const insertDrive = db.prepare(
    'INSERT INTO drives(id, serial, model, first_day, last_day, days_seen, failure_day) VALUES (?,?,?,?,?,?,?)',
  );
  const insertScore = db.prepare(
    `INSERT INTO scores(run_id, drive_id, windows, max_score, max_day, end_days, window_scores, day_errors, split,
       rule_scores, robust_scores) VALUES (1,?,?,?,?,?,?,?,2,?,?)`,
  );
  const lastDay = FIRST_DAY + PER_DRIVE - 1;
  db.prepare(
    `INSERT INTO runs(id, kind, status, config, dataset_fingerprint, backend, backend_version, device, started_at, weights_dir)
     VALUES (1, 'lstm-ae', 'done', ?, 'bench', 'native', 'bench', 'bench', '2026-01-01', ?)`,
  ).run(JSON.stringify({ horizonDays: 14, testFromDay: null, testFraction: 1 }), runsDir);
  db.transaction(() => {
    for (let id = 1; id <= DRIVES; id++) {
      const failed = random() < 0.01;
      insertDrive.run(
        id,
        `BENCH${id}`,
        'BENCH-MODEL',
        FIRST_DAY - 15,
        lastDay,
        PER_DRIVE + 15,
        failed ? lastDay : null,
      );
      const ends = Int32Array.from({ length: PER_DRIVE }, (_, w) => FIRST_DAY + w);
      const score = new Float32Array(PER_DRIVE);
      const rule = new Float32Array(PER_DRIVE);
      const robust = new Float32Array(PER_DRIVE);
      let best = 0;
      for (let w = 0; w < PER_DRIVE; w++) {
        const nearFailure = failed && PER_DRIVE - w <= 20 ? (20 - (PER_DRIVE - w)) / 10 : 0;
        score[w] = -Math.log(1 - random()) * 0.5 + nearFailure;
        rule[w] = random() < 0.02 + nearFailure / 4 ? Math.floor(random() * 20) : 0;
        robust[w] = Math.abs(random() * 3 + nearFailure);
        if (score[w] > score[best]) best = w;
      }
      insertScore.run(
        id,
        PER_DRIVE,
        score[best],
        ends[best],
        blob(ends),
        blob(score),
        F > 0 ? blob(Float32Array.from({ length: PER_DRIVE * F }, () => random() * random())) : null,
        blob(rule),
        blob(robust),
      );
    }
  })();
  mkdirSync(runsDir, { recursive: true });
  const features = Array.from({ length: F }, (_, f) => `smart_${ATTRIBUTES[f % ATTRIBUTES.length]}_raw`);
  writeFileSync(join(runsDir, 'scaler.json'), JSON.stringify({ features }));
  writeSplitRecord(runsDir, {
    key: 'bench',
    testFromDay: null,
    val: [],
    test: Array.from({ length: DRIVES }, (_, i) => i + 1),
  });
  return DRIVES * PER_DRIVE;
}
