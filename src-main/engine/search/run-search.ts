import { availableParallelism } from 'node:os';
import type { SearchDimension, SearchProgress, SearchResult, TrainProgress, TrialSource } from '../api-types';
import type { JobHooks } from '../jobs/run-job';
import { rng } from '../model/rng';
import type { Db } from '../store/db';
import { medianStop } from './median-stop';
import { proposeNext, type Observation } from './propose';
import { direction, FINISHED, SearchStore } from './search-store';
import { Space, type Params } from './space';
import { trialConfig } from './trial-config';
import { spawnTrialWorker, type SpawnTrial, type TrialHandle } from './trial-runner';

interface Running {
  trial: number;
  x: Float64Array;
  handle: TrialHandle;
  started: number;
  valLosses: number[];
  runId: number | null;
  epoch: number;
  epochs: number;
  pruned: boolean;
}

interface Next {
  trial: number;
  params: Params;
  x: Float64Array;
  source: TrialSource;
  ei: number | null;
}

const same = (a: Float64Array, b: Float64Array): boolean => a.every((v, i) => Math.abs(v - b[i]) < 1e-9);

/**
 * A search, from where it stands to its end: trials left unfinished by a kill
 * or a cancel run again first (same number, same parameters), then new ones:
 * the analyst's defaults, a Latin hypercube, then the Gaussian process's
 * proposals, `parallel` at a time, each in its own model worker. Every trial is
 * stored as it starts and as it ends. Stops at the trial budget, the time
 * budget (no new trial starts after it), a cancel (the job's flag, or
 * `search cancel` from another process through the store), or when the space
 * is used up.
 */
export async function runSearch(
  db: Db,
  dbPath: string,
  searchId: number,
  hooks: JobHooks,
  spawn: SpawnTrial = spawnTrialWorker,
): Promise<SearchResult> {
  const store = new SearchStore(db);
  const settings = store.settings(searchId);
  const space = new Space(settings.space.dimensions as Record<string, SearchDimension>);
  const sign = direction(settings) === 'minimize' ? 1 : -1;
  const parallel = settings.parallel ?? 2;
  const threads = Math.max(1, Math.floor(availableParallelism() / parallel));
  const seed = settings.seed ?? 1;
  const initial =
    settings.initialTrials ??
    Math.min(Math.max(3, 2 * space.columns.length), Math.max(1, Math.floor(settings.trials / 2)));
  const tunesLoss = 'loss' in settings.space.dimensions;
  const medianStopping = (settings.medianStopping ?? true) && !tunesLoss;
  if ((settings.medianStopping ?? true) && tunesLoss)
    store.addNotice(
      searchId,
      'Median stopping is off: the loss function is tuned, so validation losses of different trials are not comparable.',
    );
  if (tunesLoss && settings.objective.kind === 'val-loss')
    store.addNotice(
      searchId,
      'The objective is the validation loss while the loss function itself is tuned: losses of different kinds are not comparable; prefer a detection objective.',
    );
  const design = space.latin(initial, rng(seed));
  const priorSeconds = store.info(searchId).seconds;
  const began = Date.now();
  const deadline = settings.maxMinutes ? began + (settings.maxMinutes * 60 - priorSeconds) * 1000 : Infinity;

  const existing = store.trials(searchId);
  const rerun = existing.filter((t) => t.status === 'running' || t.status === 'cancelled');
  let finished = existing.filter((t) => FINISHED.includes(t.status)).length;
  let nextTrial = existing.reduce((m, t) => Math.max(m, t.trial + 1), 0);
  const running = new Map<number, Running>();
  let cancelled = false;
  let exhausted = false;
  let failure: string | null = null;

  let wake = (): void => {};
  const woken = (): Promise<void> => new Promise((r) => (wake = r));

  const observed = (): Observation[] =>
    store
      .trials(searchId)
      .filter((t) => FINISHED.includes(t.status) && t.objective !== null)
      .map((t) => ({ x: space.encode(t.params), y: sign * (t.objective as number) }));

  const propose = (): Next | null => {
    const trial = nextTrial;
    const taken = [...store.trials(searchId).map((t) => space.encode(t.params))];
    const fresh = (x: Float64Array): boolean => !taken.some((t) => same(t, x));
    let x: Float64Array | null = null;
    let source: TrialSource = 'gp';
    let ei: number | null = null;
    if (trial === 0) {
      x = space.project(space.encode(space.defaults()));
      source = 'default';
    } else if (trial < initial && fresh(design[trial])) {
      x = design[trial];
      source = 'initial';
    }
    if (!x) {
      const obs = observed();
      const random = rng(seed * 7919 + trial);
      if (obs.length < 2) {
        for (let i = 0; i < 100 && !x; i++) {
          const r = space.random(random);
          if (fresh(r)) x = r;
        }
        source = 'random';
      } else {
        const p = proposeNext(
          space,
          obs,
          [...running.values()].map((r) => r.x),
          { random, warm: store.hyper(searchId) },
        );
        if (p) {
          x = p.x;
          ei = p.ei;
          store.saveHyper(searchId, p.gp.hyper);
        }
      }
    }
    if (!x) return null;
    nextTrial++;
    return { trial, params: space.decode(x), x, source, ei };
  };

  let lastReport = 0;
  const report = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastReport < 250) return;
    lastReport = now;
    const info = store.info(searchId);
    const spent = (now - began) / 1000;
    const perTrial = finished > 0 ? (priorSeconds + spent) / finished : null;
    const progress: SearchProgress = {
      searchId,
      fraction: Math.min(1, finished / settings.trials),
      finished,
      total: settings.trials,
      running: [...running.values()].map((r) => ({
        trial: r.trial,
        runId: r.runId,
        epoch: r.epoch,
        epochs: r.epochs,
        valLoss: r.valLosses.at(-1) ?? null,
      })),
      best: info.best?.objective ?? null,
      etaSec: perTrial === null ? null : Math.round((perTrial * (settings.trials - finished)) / parallel),
    };
    hooks.onProgress(progress);
  };

  const onProgress = (r: Running, p: TrainProgress): void => {
    if (r.runId === null) {
      r.runId = p.runId;
      store.trialRun(searchId, r.trial, p.runId);
    }
    r.epoch = p.epoch;
    r.epochs = p.epochs;
    if (p.newEpochs.length) {
      for (const e of p.newEpochs) if (e.valLoss !== null) r.valLosses.push(e.valLoss);
      store.trialEpochs(searchId, r.trial, r.valLosses);
      if (medianStopping && !r.pruned && r.valLosses.length < p.epochs) {
        const others = store
          .trials(searchId)
          .filter((t) => t.status === 'done' && t.trial !== r.trial)
          .map((t) => t.valLosses);
        if (medianStop(r.valLosses, others)) {
          r.pruned = true;
          r.handle.cancel();
        }
      }
    }
    report();
  };

  const start = (n: Next): void => {
    store.startTrial(searchId, n.trial, n.params, n.source, n.ei);
    let order;
    try {
      order = {
        kind: 'trial' as const,
        dbPath,
        config: trialConfig(settings.space, n.params),
        objective: settings.objective,
        threads,
      };
    } catch (e) {
      store.endTrial(searchId, n.trial, {
        status: 'failed',
        objective: null,
        seconds: 0,
        error: (e as Error).message,
      });
      finished++;
      return;
    }
    const r: Running = {
      trial: n.trial,
      x: n.x,
      started: Date.now(),
      valLosses: [],
      runId: null,
      epoch: 0,
      epochs: order.config.epochs ?? 0,
      pruned: false,
      handle: undefined as unknown as TrialHandle,
    };
    r.handle = spawn(order, (p) => onProgress(r, p));
    running.set(n.trial, r);
    void r.handle.done.then((out) => {
      const seconds = (Date.now() - r.started) / 1000;
      let end: Parameters<SearchStore['endTrial']>[2];
      if ('error' in out && !('status' in out))
        end = { status: 'failed', objective: null, seconds, error: out.error };
      else if (r.pruned)
        end = {
          status: 'pruned',
          // Under a loss objective the loss it reached is a fair (pessimistic) observation; otherwise there is none.
          objective:
            settings.objective.kind === 'val-loss' && r.valLosses.length ? Math.min(...r.valLosses) : null,
          seconds,
          error: null,
        };
      else if (out.status === 'cancelled')
        end = { status: 'cancelled', objective: null, seconds, error: null };
      else if (out.status === 'failed')
        end = { status: 'failed', objective: null, seconds, error: out.error ?? 'failed' };
      else if (out.objective === null || !Number.isFinite(out.objective))
        end = {
          status: 'failed',
          objective: null,
          seconds,
          error: 'the run finished without the objective (no validation or test drives?)',
        };
      else end = { status: 'done', objective: out.objective, seconds, error: null };
      store.endTrial(searchId, r.trial, end);
      if (FINISHED.includes(end.status)) finished++;
      running.delete(r.trial);
      report(true);
      wake();
    });
  };

  let lastBeat = Date.now();
  const ticker = setInterval(() => {
    const now = Date.now();
    const requested = store.heartbeat(searchId, (now - lastBeat) / 1000);
    lastBeat = now;
    if (requested || hooks.isCancelled()) {
      cancelled = true;
      wake();
    }
  }, 500);

  try {
    for (;;) {
      const wait = woken();
      if (cancelled) {
        for (const r of running.values()) r.handle.cancel();
        if (running.size === 0) break;
        await wait;
        continue;
      }
      while (
        !exhausted &&
        running.size < parallel &&
        finished + running.size < settings.trials &&
        Date.now() < deadline
      ) {
        const redo = rerun.shift();
        const next = redo
          ? {
              trial: redo.trial,
              params: redo.params,
              x: space.encode(redo.params),
              source: redo.source,
              ei: redo.expectedImprovement,
            }
          : propose();
        if (!next) {
          exhausted = true;
          store.addNotice(searchId, 'Every combination of the space has been tried.');
          break;
        }
        start(next);
      }
      report();
      if (running.size === 0) break;
      await wait;
    }
  } catch (e) {
    failure = (e as Error).message;
    for (const r of running.values()) r.handle.cancel();
    await Promise.all([...running.values()].map((r) => r.handle.done));
  } finally {
    clearInterval(ticker);
    store.heartbeat(searchId, (Date.now() - lastBeat) / 1000);
  }
  const status = failure ? 'failed' : cancelled ? 'cancelled' : 'done';
  store.finish(searchId, status, failure);
  report(true);
  const info = store.info(searchId);
  return {
    searchId,
    status,
    finished: info.finished,
    best: info.best,
    seconds: info.seconds,
    ...(failure ? { error: failure } : {}),
  };
}
