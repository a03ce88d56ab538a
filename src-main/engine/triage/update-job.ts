import type { UpdateResult } from '../api-types';
import { storeEvalSummary } from '../eval/run-summary';
import { formatDay } from '../import/row-fields';
import type { ScoreHooks } from '../model/score';
import { scoreNewReadings, type ScoredThrough } from '../model/score-update';
import type { Db } from '../store/db';
import { AlertRaiser, closeFailedDrives, type Raised } from './alerts';
import { currentService, markScored } from './service';
import { triageSettings } from './settings';

/** What an update stores besides the scores: the alerts raised and how many were closed by a failure. */
interface Landed {
  raised: Raised;
  closed: number;
}

/** New open alerts listed in a result (the CLI prints them; the queue has them all). */
const LISTED = 500;

/**
 * The update job (in the model worker, which can load the run's model): scores what was imported since the run in
 * service last scored, raises the alerts the new windows cross, closes the alerts of drives that failed in the
 * data, and moves the service's mark, so the next update starts where this one ended. With `backfill` (a service
 * just started) alerts are raised over every stored window, not only the new ones.
 */
export async function runUpdate(db: Db, backfill: boolean, hooks: ScoreHooks): Promise<UpdateResult> {
  const service = currentService(db);
  const empty = {
    drives: 0,
    windows: 0,
    seconds: 0,
    raised: { open: 0, muted: 0, overBudget: 0 },
    alerts: [],
  };
  if (!service)
    return {
      ...empty,
      status: 'done',
      mode: 'none',
      serviceId: null,
      runId: null,
      newDays: null,
      closedByFailure: 0,
      message: 'no run is in service: put a scored run in service to score new days and raise alerts',
    };
  const t0 = performance.now();
  const raiser = new AlertRaiser(db, service, triageSettings(db));
  // The alerts, the closed ones and the service's mark land in one transaction with the scores they come from: an
  // update that fails midway leaves the workspace as it was, and the next one raises the same alerts.
  let landed = null as Landed | null;
  const land = (mark: ScoredThrough): Landed => {
    landed = { raised: raiser.commit(), closed: closeFailedDrives(db, service.id) };
    markScored(db, service.id, mark);
    return landed;
  };
  const update = await scoreNewReadings(
    db,
    service.runId,
    service.scoredThrough,
    hooks,
    // A service just started raises its alerts over every stored window, once they are all stored (below).
    (id, w, changed) => {
      if (!backfill) raiser.changed(id, w, changed);
    },
    backfill ? undefined : land,
  );
  const base = {
    serviceId: service.id,
    runId: service.runId,
    newDays: update.newDays
      ? { from: formatDay(update.newDays.from), to: formatDay(update.newDays.to) }
      : null,
    drives: update.drives,
    windows: update.windows,
    ...(update.phases ? { phases: update.phases } : {}),
  };
  if (update.status === 'cancelled')
    return {
      ...empty,
      ...base,
      status: 'cancelled',
      mode: update.mode,
      seconds: (performance.now() - t0) / 1000,
      closedByFailure: 0,
      message: 'cancelled: nothing was changed; the next update scores these days',
    };
  // Nothing new, every window scored again, or a service just started (its alerts from the stored windows).
  const { raised, closed } =
    landed ??
    db.transaction(() => {
      if (backfill || update.mode === 'full') raiser.allStored();
      return land(update.scoredThrough);
    })();
  if (update.mode === 'full') storeEvalSummary(db, service.runId);
  const serials = new Map(
    raised.open.length
      ? (db
          .prepare(
            `SELECT id, serial FROM drives WHERE id IN (${raised.open
              .slice(0, LISTED)
              .map((c) => c.driveId)
              .join(',')})`,
          )
          .raw()
          .all() as [number, string][])
      : [],
  );
  const counts = { open: raised.open.length, muted: raised.muted, overBudget: raised.overBudget };
  return {
    ...base,
    status: 'done',
    mode: update.mode,
    seconds: (performance.now() - t0) / 1000,
    raised: counts,
    alerts: raised.open.slice(0, LISTED).map((c) => ({
      serial: serials.get(c.driveId) ?? String(c.driveId),
      model: c.model,
      day: formatDay(c.day),
      score: c.score,
      threshold: c.threshold,
      top: c.top.map(([f]) => f),
    })),
    closedByFailure: closed,
    message: updateInWords(update.mode, base.newDays, counts, closed),
  };
}

function updateInWords(
  mode: UpdateResult['mode'],
  days: UpdateResult['newDays'],
  raised: UpdateResult['raised'],
  closed: number,
): string {
  const span = days ? (days.from === days.to ? days.from : `${days.from} to ${days.to}`) : null;
  const what =
    mode === 'none'
      ? 'no new readings to score'
      : mode === 'full'
        ? `scored every window again (the data now starts earlier)${span ? `, new days ${span}` : ''}`
        : `scored the new days ${span}`;
  const extra = [
    raised.muted ? `${raised.muted} muted` : '',
    raised.overBudget ? `${raised.overBudget} over the daily budget` : '',
    closed ? `${closed} closed as confirmed (failed in the data)` : '',
  ].filter(Boolean);
  return `${what}: ${raised.open} new alert${raised.open === 1 ? '' : 's'}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}
