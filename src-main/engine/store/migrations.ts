import type Database from 'better-sqlite3';

/**
 * Versioned schema. Each entry upgrades the database from version i to i + 1;
 * `PRAGMA user_version` records how far a file has come. Never edit a shipped
 * migration: add a new one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: drives, readings, the attribute catalogue, imported files and rejects.
  `
  CREATE TABLE drives (
    id            INTEGER PRIMARY KEY,
    serial        TEXT    NOT NULL UNIQUE,
    model         TEXT    NOT NULL,
    capacity      INTEGER,              -- bytes; 64-bit
    first_day     INTEGER NOT NULL,     -- days since 1970-01-01 (UTC)
    last_day      INTEGER NOT NULL,
    days_seen     INTEGER NOT NULL DEFAULT 0,
    failure_day   INTEGER,              -- the day of its failure = 1 row, NULL while healthy
    created_file_id INTEGER             -- the import that first saw it (to undo a refused file)
  );
  CREATE INDEX drives_model ON drives(model);
  CREATE INDEX drives_failure ON drives(failure_day);

  -- One row per numeric column ever seen (smart_5_raw, smart_5_normalized, pod_id, ...).
  -- slot is the position of that column inside every readings.vals blob.
  CREATE TABLE attributes (
    slot          INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    smart_id      INTEGER,              -- N of smart_N_*, NULL for other columns
    kind          TEXT    NOT NULL,     -- 'raw' | 'normalized' | 'extra'
    present_rows  INTEGER NOT NULL DEFAULT 0
  );

  -- Day-major, append-only: rows arrive one day at a time and are written in that
  -- order, so inserts never scatter across the file (see ARCHITECTURE.md).
  CREATE TABLE readings (
    day           INTEGER NOT NULL,
    drive_id      INTEGER NOT NULL REFERENCES drives(id),
    failure       INTEGER NOT NULL,
    file_id       INTEGER NOT NULL,
    vals          BLOB    NOT NULL,     -- sparse encoding of every numeric column, see readings-codec.ts
    tags          TEXT                  -- JSON of non-numeric extra columns (datacenter, ...), NULL if none
  );
  CREATE UNIQUE INDEX readings_day_drive ON readings(day, drive_id);

  CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,     -- path, or zip path + '!' + entry name
    size          INTEGER NOT NULL,     -- bytes as stored (compressed for .gz / zip entries)
    sha256        TEXT    NOT NULL UNIQUE,
    first_rowid   INTEGER NOT NULL,     -- readings of this file start here (append-only table)
    status        TEXT    NOT NULL,     -- 'running' | 'stored' (tallies pending) | 'done' | 'interrupted' | 'failed'
    rows_accepted INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rows_duplicate INTEGER NOT NULL DEFAULT 0, -- identical to a row already stored
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    error         TEXT
  );

  CREATE TABLE rejected_rows (
    id            INTEGER PRIMARY KEY,
    file_id       INTEGER NOT NULL REFERENCES files(id),
    line          INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    raw           TEXT    NOT NULL
  );
  CREATE INDEX rejected_rows_file ON rejected_rows(file_id, line);
  `,
  // 2: training runs, their per-epoch and per-batch telemetry.
  `
  CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,     -- 'lstm-ae' | 'conv-ae' | 'lstm-clf'
    status        TEXT    NOT NULL,     -- 'running' | 'done' | 'failed' | 'cancelled'
    config        TEXT    NOT NULL,     -- JSON: model, dataset and loop settings
    dataset_fingerprint TEXT NOT NULL,  -- sha256 over the imported files and the dataset settings
    backend       TEXT    NOT NULL,
    backend_version TEXT  NOT NULL,
    device        TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    seconds       REAL,
    epochs_done   INTEGER NOT NULL DEFAULT 0,
    final_loss    REAL,
    val_loss      REAL,
    notices       TEXT,                 -- JSON array of sentences for the analyst
    error         TEXT,
    weights_dir   TEXT                  -- tfjs layers format: model.json + weights.bin + scaler.json
  );
  CREATE TABLE run_epochs (
    run_id INTEGER NOT NULL, epoch INTEGER NOT NULL, train_loss REAL, val_loss REAL, seconds REAL,
    PRIMARY KEY (run_id, epoch)
  ) WITHOUT ROWID;
  CREATE TABLE run_batches (
    run_id INTEGER NOT NULL, epoch INTEGER NOT NULL, batch INTEGER NOT NULL,
    loss REAL, grad_norm REAL, learning_rate REAL, spike INTEGER NOT NULL,
    PRIMARY KEY (run_id, epoch, batch)
  ) WITHOUT ROWID;
  `,
  // 3: scores of a run, one row per drive, the arrays as little-endian typed-array blobs.
  `
  CREATE TABLE scores (
    run_id        INTEGER NOT NULL,
    drive_id      INTEGER NOT NULL,
    windows       INTEGER NOT NULL,
    max_score     REAL    NOT NULL,     -- the drive's score: its worst window
    max_day       INTEGER NOT NULL,     -- last day of that window
    end_days      BLOB    NOT NULL,     -- Int32 per window: its last day
    window_scores BLOB    NOT NULL,     -- Float32 per window: reconstruction error, or probability
    day_errors    BLOB,                 -- Float32 [window][feature]: error on each window's last day (autoencoders)
    PRIMARY KEY (run_id, drive_id)
  ) WITHOUT ROWID;
  CREATE INDEX scores_rank ON scores(run_id, max_score DESC);
  `,
  // 4: what evaluation needs beside the model's scores: each drive's split in its run, and the
  // baselines' scores per window (Backblaze's rule as a graded count, the robust z-score).
  `
  ALTER TABLE scores ADD COLUMN split INTEGER;         -- 0 train, 1 validation, 2 test; NULL: not recorded
  ALTER TABLE scores ADD COLUMN rule_scores BLOB;      -- Float32 per window: sum of raw 5/187/188/197/198
  ALTER TABLE scores ADD COLUMN robust_scores BLOB;    -- Float32 per window: largest |modified z| of the attributes
  `,
  // 5: scores as an ordinary rowid table, the big day_errors blob last. A row is kilobytes; in a WITHOUT ROWID
  // table every interior page holds whole rows (with overflow chains), so fetching the top 2,000 drives through
  // scores_rank took ~70 ms; a rowid table's interior pages hold only rowids (~3 ms for the same read), and the
  // columns the views read come before day_errors, so they stay on the row's first page.
  `
  CREATE TABLE scores_v5 (
    run_id        INTEGER NOT NULL,
    drive_id      INTEGER NOT NULL,
    windows       INTEGER NOT NULL,
    max_score     REAL    NOT NULL,     -- the drive's score: its worst window
    max_day       INTEGER NOT NULL,     -- last day of that window
    split         INTEGER,              -- 0 train, 1 validation, 2 test; NULL: not recorded
    end_days      BLOB    NOT NULL,     -- Int32 per window: its last day
    window_scores BLOB    NOT NULL,     -- Float32 per window: reconstruction error, or probability
    rule_scores   BLOB,                 -- Float32 per window: sum of raw 5/187/188/197/198
    robust_scores BLOB,                 -- Float32 per window: largest |modified z| of the attributes
    day_errors    BLOB,                 -- Float32 [window][feature]: error on each window's last day (autoencoders)
    PRIMARY KEY (run_id, drive_id)
  );
  INSERT INTO scores_v5(run_id, drive_id, windows, max_score, max_day, split, end_days, window_scores,
                        rule_scores, robust_scores, day_errors)
    SELECT run_id, drive_id, windows, max_score, max_day, split, end_days, window_scores,
           rule_scores, robust_scores, day_errors FROM scores ORDER BY run_id, drive_id;
  DROP TABLE scores;
  ALTER TABLE scores_v5 RENAME TO scores;
  CREATE INDEX scores_rank ON scores(run_id, max_score DESC);
  `,
  // 6: hyperparameter searches and their trials, each trial stored as it starts and as it ends.
  `
  CREATE TABLE searches (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    settings         TEXT    NOT NULL,   -- SearchSettings as JSON: space, objective, budgets, seed
    status           TEXT    NOT NULL,   -- running, done, cancelled, failed
    created_at       TEXT    NOT NULL,
    finished_at      TEXT,
    seconds          REAL    NOT NULL DEFAULT 0,
    heartbeat_at     INTEGER,            -- ms since epoch, while a process runs it: a stale one was killed
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    hyper            TEXT,               -- the surrogate's last fitted hyperparameters (JSON), for importance and warm starts
    notices          TEXT,               -- JSON array
    error            TEXT
  );
  CREATE TABLE search_trials (
    search_id   INTEGER NOT NULL,
    trial       INTEGER NOT NULL,
    params      TEXT    NOT NULL,        -- JSON
    source      TEXT    NOT NULL,        -- default, initial, gp, random
    ei          REAL,
    status      TEXT    NOT NULL,        -- running, done, pruned, failed, cancelled
    objective   REAL,
    run_id      INTEGER,
    val_losses  TEXT    NOT NULL DEFAULT '[]',
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    seconds     REAL,
    error       TEXT,
    PRIMARY KEY (search_id, trial)
  ) WITHOUT ROWID;
  `,
  // 7: the threshold the analyst chose for each run, and how: it survives a reload and reports say how it was set.
  `
  CREATE TABLE run_thresholds (
    run_id     INTEGER PRIMARY KEY,
    threshold  REAL NOT NULL,
    level      TEXT NOT NULL,           -- 'drive' | 'window': the level it was chosen at
    chosen_by  TEXT NOT NULL,           -- 'slider' | 'max-f1' | 'far' | 'budget' | 'cost'
    reason     TEXT NOT NULL,           -- in words, for the report
    chosen_at  TEXT NOT NULL
  );
  `,
  // 8: runs the analyst can tell apart: a name and a note, and the headline figures once scored.
  `
  ALTER TABLE runs ADD COLUMN name TEXT;
  ALTER TABLE runs ADD COLUMN note TEXT;
  ALTER TABLE runs ADD COLUMN eval_ap REAL;       -- drive-level average precision on its evaluation set
  ALTER TABLE runs ADD COLUMN eval_det1 REAL;     -- drive-level detection at a 1% false-alarm rate
  `,
  // 9: the daily triage loop: the run in service and its history, the alerts it raised, the analysts' verdicts.
  `
  CREATE TABLE service (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL,
    threshold    REAL    NOT NULL,
    model_thresholds TEXT,              -- JSON {drive model: threshold} where one was chosen per drive model
    chosen_by    TEXT    NOT NULL,      -- 'run' | 'slider' | 'max-f1' | 'far' | 'budget' | 'cost'
    reason       TEXT    NOT NULL,      -- the threshold in words
    why          TEXT,                  -- the analyst's reason for the change
    started_at   TEXT    NOT NULL,
    ended_at     TEXT,                  -- NULL: in service now
    ended_why    TEXT,                  -- why it was taken out of service without a successor
    scored_rowid INTEGER NOT NULL DEFAULT 0, -- the run's scores are up to date with readings up to this rowid
    span_lo      INTEGER               -- ... over a data span that started on this day
  );
  CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    service_id   INTEGER NOT NULL,
    drive_id     INTEGER NOT NULL,
    day          INTEGER NOT NULL,      -- last day of the window that crossed the threshold
    score        REAL    NOT NULL,
    threshold    REAL    NOT NULL,
    top          TEXT,                  -- JSON [[attribute, share], ...] of that window, largest first
    state        TEXT    NOT NULL,      -- 'open' | 'muted' (a quiet attribute) | 'over-budget'
    raised_at    TEXT    NOT NULL,
    UNIQUE (service_id, drive_id, day)
  );
  CREATE INDEX alerts_day ON alerts(service_id, day);
  -- A verdict is on a drive as of an alert's day: it covers that alert and the drive's earlier ones, under any run
  -- in service (a run put in service later does not bring back drives already reviewed).
  CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    drive_id     INTEGER NOT NULL,
    alert_day    INTEGER NOT NULL,
    alert_id     INTEGER,
    verdict      TEXT    NOT NULL,      -- 'acknowledged' | 'confirmed' | 'replaced' | 'false-alarm' | 'snoozed' | 'note'
    until_day    INTEGER,               -- snoozed: back in the queue once the data passes this day
    note         TEXT,
    source       TEXT    NOT NULL,      -- 'analyst' | 'data' (the drive failed in the data)
    decided_at   TEXT    NOT NULL
  );
  CREATE INDEX reviews_drive ON reviews(drive_id, id);
  -- Which readings a run's scores are up to date with (readingsMark when scoring started).
  ALTER TABLE runs ADD COLUMN scored_rowid INTEGER;
  ALTER TABLE runs ADD COLUMN scored_span_lo INTEGER;
  CREATE TABLE settings (
    key          TEXT PRIMARY KEY,
    value        TEXT NOT NULL          -- JSON
  );
  `,
  // 10: windows a daily update appends, kept beside the drives' rows (model/score-store.ts): a row per group of
  // 1,024 drive ids and window end day, so a new day writes a few hundred rows, not every drive's whole history
  // again. Folded into the drives' rows a group at a time, every few days.
  `
  CREATE TABLE recent_windows (
    run_id        INTEGER NOT NULL,
    grp           INTEGER NOT NULL,     -- drive_id / 1024
    end_day       INTEGER NOT NULL,
    drive_ids     BLOB    NOT NULL,     -- Int32, ascending: the group's drives with a window ending this day
    window_scores BLOB    NOT NULL,     -- Float32 per drive
    rule_scores   BLOB    NOT NULL,     -- Float32 per drive
    robust_scores BLOB,                 -- Float32 per drive (read only for drives whose row has robust scores)
    day_errors    BLOB,                 -- Float32 [drive][attribute]; NULL where the run has none
    PRIMARY KEY (run_id, grp, end_day)
  );
  -- Each drive's score without its row's blobs: a day's update reads it for every drive it appends to.
  CREATE INDEX scores_drive_max ON scores(run_id, drive_id, max_score);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {
  constructor(file: string, found: number) {
    super(
      `${file} was written by a newer Drive Triage (schema version ${found}; this version reads up to ${SCHEMA_VERSION}). Update the app to open it.`,
    );
  }
}

/** Brings `db` up to SCHEMA_VERSION (tests stop earlier to write an old file), each step in its own transaction. */
export function migrate(db: Database.Database, file: string, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new SchemaTooNewError(file, current);
  for (let v = current; v < target; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
