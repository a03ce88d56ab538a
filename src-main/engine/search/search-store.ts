import {
  ApiError,
  type SearchDetail,
  type SearchInfo,
  type SearchSettings,
  type SearchStatus,
  type SearchTrial,
  type TrialSource,
  type TrialStatus,
} from '../api-types';
import type { Db } from '../store/db';
import type { GpHyper } from './gp';
import { Space } from './space';

/** A search whose process has not written a heartbeat for this long was killed. */
export const STALE_HEARTBEAT_MS = 15_000;

interface SearchRow {
  id: number;
  name: string;
  settings: string;
  status: SearchStatus;
  created_at: string;
  finished_at: string | null;
  seconds: number;
  heartbeat_at: number | null;
  cancel_requested: number;
  hyper: string | null;
  notices: string | null;
  error: string | null;
}

interface TrialRow {
  trial: number;
  params: string;
  source: TrialSource;
  ei: number | null;
  status: TrialStatus;
  objective: number | null;
  run_id: number | null;
  val_losses: string;
  started_at: string;
  finished_at: string | null;
  seconds: number | null;
  error: string | null;
}

/** Storable hyperparameters (typed arrays do not survive JSON). */
export interface StoredHyper {
  logLengths: number[];
  logSignal: number;
  logNoise: number;
}

export const direction = (s: SearchSettings): 'minimize' | 'maximize' =>
  s.objective.kind === 'val-loss' ? 'minimize' : 'maximize';

/** The trials that count against the budget: they ended on their own (or were stopped early by the search). */
export const FINISHED: readonly TrialStatus[] = ['done', 'pruned', 'failed'];

/** Searches and their trials in the workspace's SQLite file: every trial written as it starts and as it ends. */
export class SearchStore {
  constructor(private readonly db: Db) {}

  create(settings: SearchSettings): number {
    const name = settings.name ?? `${settings.space.model ?? 'search'} · ${settings.objective.kind}`;
    return Number(
      this.db
        .prepare(
          `INSERT INTO searches(name, settings, status, created_at, heartbeat_at) VALUES (?, ?, 'running', ?, ?)`,
        )
        .run(name, JSON.stringify(settings), new Date().toISOString(), Date.now()).lastInsertRowid,
    );
  }

  settings(id: number): SearchSettings {
    return JSON.parse(this.row(id).settings) as SearchSettings;
  }

  /** Marks a search as running in this process again (resume), with a new budget if one is given. */
  reopen(id: number, budget: { trials?: number; maxMinutes?: number | null }): void {
    const s = this.settings(id);
    if (budget.trials !== undefined) s.trials = budget.trials;
    if (budget.maxMinutes !== undefined) s.maxMinutes = budget.maxMinutes;
    this.db
      .prepare(
        `UPDATE searches SET status = 'running', settings = ?, finished_at = NULL, heartbeat_at = ?,
           cancel_requested = 0, error = NULL WHERE id = ?`,
      )
      .run(JSON.stringify(s), Date.now(), id);
  }

  heartbeat(id: number, addSeconds: number): boolean {
    this.db
      .prepare('UPDATE searches SET heartbeat_at = ?, seconds = seconds + ? WHERE id = ?')
      .run(Date.now(), addSeconds, id);
    return this.row(id).cancel_requested === 1;
  }

  requestCancel(id: number): void {
    this.db.prepare('UPDATE searches SET cancel_requested = 1 WHERE id = ?').run(id);
  }

  finish(id: number, status: 'done' | 'cancelled' | 'failed', error: string | null = null): void {
    this.db
      .prepare('UPDATE searches SET status = ?, finished_at = ?, heartbeat_at = NULL, error = ? WHERE id = ?')
      .run(status, new Date().toISOString(), error, id);
  }

  saveHyper(id: number, h: GpHyper): void {
    const stored: StoredHyper = {
      logLengths: Array.from(h.logLengths),
      logSignal: h.logSignal,
      logNoise: h.logNoise,
    };
    this.db.prepare('UPDATE searches SET hyper = ? WHERE id = ?').run(JSON.stringify(stored), id);
  }

  hyper(id: number): GpHyper | undefined {
    const h = this.row(id).hyper;
    if (!h) return undefined;
    const s = JSON.parse(h) as StoredHyper;
    return { logLengths: Float64Array.from(s.logLengths), logSignal: s.logSignal, logNoise: s.logNoise };
  }

  addNotice(id: number, notice: string): void {
    const notices = JSON.parse(this.row(id).notices ?? '[]') as string[];
    if (notices.includes(notice)) return;
    notices.push(notice);
    this.db.prepare('UPDATE searches SET notices = ? WHERE id = ?').run(JSON.stringify(notices), id);
  }

  startTrial(
    id: number,
    trial: number,
    params: Record<string, string | number | boolean>,
    source: TrialSource,
    ei: number | null,
  ): void {
    // A trial run again after an interruption keeps its number and parameters: no duplicate.
    this.db
      .prepare(
        `INSERT INTO search_trials(search_id, trial, params, source, ei, status, started_at)
         VALUES (?, ?, ?, ?, ?, 'running', ?)
         ON CONFLICT(search_id, trial) DO UPDATE SET status = 'running', objective = NULL, run_id = NULL,
           val_losses = '[]', started_at = excluded.started_at, finished_at = NULL, seconds = NULL, error = NULL`,
      )
      .run(id, trial, JSON.stringify(params), source, ei, new Date().toISOString());
  }

  trialRun(id: number, trial: number, runId: number): void {
    this.db
      .prepare('UPDATE search_trials SET run_id = ? WHERE search_id = ? AND trial = ?')
      .run(runId, id, trial);
  }

  trialEpochs(id: number, trial: number, valLosses: number[]): void {
    this.db
      .prepare('UPDATE search_trials SET val_losses = ? WHERE search_id = ? AND trial = ?')
      .run(JSON.stringify(valLosses), id, trial);
  }

  endTrial(
    id: number,
    trial: number,
    end: { status: TrialStatus; objective: number | null; seconds: number; error: string | null },
  ): void {
    this.db
      .prepare(
        `UPDATE search_trials SET status = ?, objective = ?, finished_at = ?, seconds = ?, error = ?
         WHERE search_id = ? AND trial = ?`,
      )
      .run(end.status, end.objective, new Date().toISOString(), end.seconds, end.error, id, trial);
  }

  trials(id: number): SearchTrial[] {
    return (
      this.db.prepare('SELECT * FROM search_trials WHERE search_id = ? ORDER BY trial').all(id) as TrialRow[]
    ).map((r) => ({
      trial: r.trial,
      params: JSON.parse(r.params) as SearchTrial['params'],
      status: r.status,
      objective: r.objective,
      runId: r.run_id,
      source: r.source,
      expectedImprovement: r.ei,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      seconds: r.seconds,
      valLosses: JSON.parse(r.val_losses) as number[],
      error: r.error,
    }));
  }

  info(id: number): SearchInfo {
    return this.toInfo(this.row(id), this.trials(id));
  }

  list(): SearchInfo[] {
    const rows = this.db.prepare('SELECT * FROM searches ORDER BY id DESC').all() as SearchRow[];
    return rows.map((r) => this.toInfo(r, this.trials(r.id)));
  }

  detail(id: number): SearchDetail {
    const row = this.row(id);
    const trials = this.trials(id);
    const settings = JSON.parse(row.settings) as SearchSettings;
    const hyper = row.hyper ? (JSON.parse(row.hyper) as StoredHyper) : null;
    let importance: SearchDetail['importance'] = null;
    if (hyper) {
      // A categorical's relevance is the sum over its one-hot coordinates.
      const space = new Space(settings.space.dimensions as Record<string, never>);
      const rel = hyper.logLengths.map((g) => Math.exp(-2 * g));
      const total = rel.reduce((a, b) => a + b, 0);
      importance = space.columns
        .map((c) => ({
          name: c.name,
          share: rel.slice(c.start, c.start + c.width).reduce((a, b) => a + b, 0) / total,
        }))
        .sort((a, b) => b.share - a.share);
    }
    return {
      ...this.toInfo(row, trials),
      space: settings.space,
      settings,
      trialList: trials,
      importance,
      notices: JSON.parse(row.notices ?? '[]') as string[],
    };
  }

  private row(id: number): SearchRow {
    const r = this.db.prepare('SELECT * FROM searches WHERE id = ?').get(id) as SearchRow | undefined;
    if (!r) throw new ApiError('not-found', `no search with id ${id}`);
    return r;
  }

  private toInfo(r: SearchRow, trials: SearchTrial[]): SearchInfo {
    const settings = JSON.parse(r.settings) as SearchSettings;
    const dir = direction(settings);
    let best: SearchInfo['best'] = null;
    for (const t of trials) {
      if (t.objective === null || t.status !== 'done') continue;
      if (!best || (dir === 'minimize' ? t.objective < best.objective : t.objective > best.objective))
        best = { trial: t.trial, objective: t.objective, runId: t.runId, params: t.params };
    }
    const stale =
      r.status === 'running' && (r.heartbeat_at === null || Date.now() - r.heartbeat_at > STALE_HEARTBEAT_MS);
    return {
      id: r.id,
      name: r.name,
      status: stale ? 'interrupted' : r.status,
      objective: settings.objective,
      direction: dir,
      trials: settings.trials,
      maxMinutes: settings.maxMinutes ?? null,
      parallel: settings.parallel ?? 2,
      seed: settings.seed ?? 1,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      seconds: r.seconds,
      finished: trials.filter((t) => FINISHED.includes(t.status)).length,
      best,
      error: r.error,
    };
  }
}
