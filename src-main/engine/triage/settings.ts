import type { TriageSettings } from '../api-types';
import type { Db } from '../store/db';

export const DEFAULT_TRIAGE_SETTINGS: TriageSettings = {
  autoScore: true,
  dailyBudget: null,
  quiet: {},
  falseAlarmHoldDays: 30,
};

/** The workspace's triage settings (stored as one JSON value; a setting never stored keeps its default). */
export function triageSettings(db: Db): TriageSettings {
  const stored = db.prepare("SELECT value FROM settings WHERE key = 'triage'").pluck().get() as
    string | undefined;
  return { ...DEFAULT_TRIAGE_SETTINGS, ...(stored ? (JSON.parse(stored) as Partial<TriageSettings>) : {}) };
}

/** Changes some settings, keeps the others. An empty quiet list for a drive model removes it. */
export function configureTriage(db: Db, change: Partial<TriageSettings>): TriageSettings {
  const next = { ...triageSettings(db), ...change };
  next.quiet = Object.fromEntries(Object.entries(next.quiet).filter(([, attrs]) => attrs.length > 0));
  db.prepare("INSERT OR REPLACE INTO settings(key, value) VALUES ('triage', ?)").run(JSON.stringify(next));
  return next;
}
