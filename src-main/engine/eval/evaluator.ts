import type { EvalLabels, EvalLevel } from '../api-types';
import { readSplitRecord } from '../model/split-record';
import type { Db } from '../store/db';
import { loadEvalData, type EvalSetName } from './eval-data';
import { EvalSession } from './session';

/** Sessions kept at once: the run on screen, the one it is compared with, and a little room. */
const MAX_SESSIONS = 4;

/**
 * Holds the evaluation sessions of recently viewed runs (least recently used
 * dropped first). The engine forgets a run when it is scored again or deleted.
 */
export class Evaluator {
  /** Keyed by run and labels ("3/data"). */
  private readonly sessions = new Map<string, EvalSession>();

  constructor(private readonly db: Db) {}

  session(runId: number, labels: EvalLabels = 'data', which: EvalSetName = 'evaluation'): EvalSession {
    const key = which === 'evaluation' ? `${runId}/${labels}` : `${runId}/${labels}/${which}`;
    let s = this.sessions.get(key);
    if (s) this.sessions.delete(key);
    else s = new EvalSession(loadEvalData(this.db, runId, labels, which), this.db);
    this.sessions.set(key, s);
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return s;
  }

  /** Drops a run's sessions (all of them without a run); `verdicts`: only those labelled by verdicts, which changed. */
  forget(runId?: number): void {
    if (runId === undefined) this.sessions.clear();
    else
      for (const key of [...this.sessions.keys()]) if (key.startsWith(`${runId}/`)) this.sessions.delete(key);
  }

  /** The analysts' verdicts changed: sessions labelled by them are stale. */
  forgetVerdictLabels(): void {
    for (const key of [...this.sessions.keys()]) if (!/\/data(\/|$)/.test(key)) this.sessions.delete(key);
  }

  /** Other scored runs whose test set is this one's; the rest with the reason they cannot be compared. */
  comparableRuns(
    s: EvalSession,
    level: EvalLevel,
  ): { sessions: EvalSession[]; excluded: { runId: number; reason: string }[] } {
    const scored = new Set(this.db.prepare('SELECT DISTINCT run_id FROM scores').pluck().all() as number[]);
    const runs = this.db
      .prepare('SELECT id, weights_dir, config FROM runs WHERE id != ? ORDER BY id')
      .all(s.data.runId) as { id: number; weights_dir: string | null; config: string }[];
    const sessions: EvalSession[] = [];
    const excluded: { runId: number; reason: string }[] = [];
    for (const r of runs) {
      if (!scored.has(r.id)) {
        excluded.push({ runId: r.id, reason: 'not scored' });
        continue;
      }
      const key = r.weights_dir ? readSplitRecord(r.weights_dir)?.key : undefined;
      if (!key || !s.data.splitKey || key !== s.data.splitKey) {
        excluded.push({ runId: r.id, reason: 'a different test set' });
        continue;
      }
      const horizon = (JSON.parse(r.config) as { horizonDays: number }).horizonDays;
      if (level === 'window' && horizon !== s.data.horizonDays) {
        excluded.push({
          runId: r.id,
          reason: `a different horizon (${horizon} days): compare at the drive level`,
        });
        continue;
      }
      // Comparing must not evict the run being compared with.
      const labels = s.data.labels;
      const o =
        this.sessions.get(`${r.id}/${labels}`) ??
        new EvalSession(loadEvalData(this.db, r.id, labels), this.db);
      sessions.push(o);
    }
    return { sessions, excluded };
  }
}
