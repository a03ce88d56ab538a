import { availableParallelism } from 'node:os';
import type {
  SearchDimension,
  SearchProgress,
  SearchResult,
  SearchSettings,
  SearchTrial,
  TrainProgress,
} from '../api-types';
import type { JobHooks } from '../jobs/run-job';
import type { TrialOutcome } from '../jobs/job-protocol';
import type { Db } from '../store/db';
import { medianStop } from './median-stop';
import { Proposer, type NextTrial } from './proposer';
import { direction, FINISHED, SearchStore } from './search-store';
import { Space } from './space';
import { trialConfig } from './trial-config';
import { trialEnd } from './trial-outcome';
import { spawnTrialWorker, type SpawnTrial, type TrialHandle } from './trial-runner';

/** A trial under way: its worker, and what its progress has said so far. */
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

/**
 * A search, from where it stands to its end: trials left unfinished by a kill
 * or a cancel run again first (same number, same parameters), then new ones
 * (Proposer: the analyst's defaults, a Latin hypercube, then the Gaussian
 * process's proposals), `parallel` at a time, each in its own model worker.
 * Every trial is stored as it starts and as it ends. Stops at the trial budget,
 * the time budget (no new trial starts after it), a cancel (the job's flag, or
 * `search cancel` from another process through the store), or when the space
 * is used up.
 */
export function runSearch(
  db: Db,
  dbPath: string,
  searchId: number,
  hooks: JobHooks,
  spawn: SpawnTrial = spawnTrialWorker,
): Promise<SearchResult> {
  return new SearchRun(db, dbPath, searchId, hooks, spawn).run();
}

class SearchRun {
  private readonly store: SearchStore;
  private readonly settings: SearchSettings;
  private readonly space: Space;
  private readonly parallel: number;
  /** Native threads per trial: the cores shared among the trials running at once. */
  private readonly threads: number;
  private readonly medianStopping: boolean;
  private readonly proposer: Proposer;
  private readonly rerun: SearchTrial[];
  private readonly running = new Map<number, Running>();
  private readonly priorSeconds: number;
  private readonly began = Date.now();
  private readonly deadline: number;
  private finished: number;
  private cancelled = false;
  private exhausted = false;
  private lastReport = 0;
  private lastBeat = Date.now();
  private wake = (): void => {};

  constructor(
    db: Db,
    private readonly dbPath: string,
    private readonly searchId: number,
    private readonly hooks: JobHooks,
    private readonly spawn: SpawnTrial,
  ) {
    this.store = new SearchStore(db);
    const s = (this.settings = this.store.settings(searchId));
    this.space = new Space(s.space.dimensions as Record<string, SearchDimension>);
    this.parallel = s.parallel ?? 2;
    this.threads = Math.max(1, Math.floor(availableParallelism() / this.parallel));
    const tunesLoss = 'loss' in s.space.dimensions;
    this.medianStopping = (s.medianStopping ?? true) && !tunesLoss;
    this.noteLossCaveats(tunesLoss);
    const existing = this.store.trials(searchId);
    this.rerun = existing.filter((t) => t.status === 'running' || t.status === 'cancelled');
    this.finished = existing.filter((t) => FINISHED.includes(t.status)).length;
    const initial =
      s.initialTrials ??
      Math.min(Math.max(3, 2 * this.space.columns.length), Math.max(1, Math.floor(s.trials / 2)));
    this.proposer = new Proposer(
      this.store,
      searchId,
      this.space,
      initial,
      s.seed ?? 1,
      direction(s) === 'minimize' ? 1 : -1,
      existing.reduce((m, t) => Math.max(m, t.trial + 1), 0),
    );
    this.priorSeconds = this.store.info(searchId).seconds;
    this.deadline = s.maxMinutes ? this.began + (s.maxMinutes * 60 - this.priorSeconds) * 1000 : Infinity;
  }

  async run(): Promise<SearchResult> {
    const ticker = setInterval(() => this.checkForCancel(), 500);
    let failure: string | null = null;
    try {
      await this.loop();
    } catch (e) {
      failure = (e as Error).message;
      for (const r of this.running.values()) r.handle.cancel();
      await Promise.all([...this.running.values()].map((r) => r.handle.done));
    } finally {
      clearInterval(ticker);
      this.store.heartbeat(this.searchId, (Date.now() - this.lastBeat) / 1000);
    }
    const status = failure ? 'failed' : this.cancelled ? 'cancelled' : 'done';
    this.store.finish(this.searchId, status, failure);
    this.report(true);
    const info = this.store.info(this.searchId);
    return {
      searchId: this.searchId,
      status,
      finished: info.finished,
      best: info.best,
      seconds: info.seconds,
      ...(failure ? { error: failure } : {}),
    };
  }

  /** Starts trials while there is room and budget, then waits for one to end (or a cancel); until none runs. */
  private async loop(): Promise<void> {
    for (;;) {
      const woken = new Promise<void>((r) => (this.wake = r));
      if (this.cancelled) {
        for (const r of this.running.values()) r.handle.cancel();
        if (this.running.size === 0) return;
        await woken;
        continue;
      }
      this.fill();
      this.report();
      if (this.running.size === 0) return;
      await woken;
    }
  }

  private fill(): void {
    while (
      !this.exhausted &&
      this.running.size < this.parallel &&
      this.finished + this.running.size < this.settings.trials &&
      Date.now() < this.deadline
    ) {
      const next = this.nextTrial();
      if (!next) {
        this.exhausted = true;
        this.store.addNotice(this.searchId, 'Every combination of the space has been tried.');
        return;
      }
      this.start(next);
    }
  }

  /** An unfinished trial again (same number and parameters), else a new proposal. */
  private nextTrial(): NextTrial | null {
    const redo = this.rerun.shift();
    if (redo)
      return {
        trial: redo.trial,
        params: redo.params,
        x: this.space.encode(redo.params),
        source: redo.source,
        ei: redo.expectedImprovement,
      };
    return this.proposer.next([...this.running.values()].map((r) => r.x));
  }

  private start(n: NextTrial): void {
    this.store.startTrial(this.searchId, n.trial, n.params, n.source, n.ei);
    let config;
    try {
      config = trialConfig(this.settings.space, n.params);
    } catch (e) {
      this.store.endTrial(this.searchId, n.trial, {
        status: 'failed',
        objective: null,
        seconds: 0,
        error: (e as Error).message,
      });
      this.finished++;
      return;
    }
    const order = {
      kind: 'trial' as const,
      dbPath: this.dbPath,
      config,
      objective: this.settings.objective,
      threads: this.threads,
    };
    const handle = this.spawn(order, (p) => this.onTrialProgress(n.trial, p));
    const r: Running = {
      trial: n.trial,
      x: n.x,
      handle,
      started: Date.now(),
      valLosses: [],
      runId: null,
      epoch: 0,
      epochs: config.epochs ?? 0,
      pruned: false,
    };
    this.running.set(n.trial, r);
    void handle.done.then((out) => this.onTrialEnd(r, out));
  }

  /** Records the trial's run and validation losses; the median rule may stop it. */
  private onTrialProgress(trial: number, p: TrainProgress): void {
    const r = this.running.get(trial);
    if (!r) return;
    if (r.runId === null) {
      r.runId = p.runId;
      this.store.trialRun(this.searchId, r.trial, p.runId);
    }
    r.epoch = p.epoch;
    r.epochs = p.epochs;
    if (p.newEpochs.length) {
      for (const e of p.newEpochs) if (e.valLoss !== null) r.valLosses.push(e.valLoss);
      this.store.trialEpochs(this.searchId, r.trial, r.valLosses);
      if (this.medianStopping && !r.pruned && r.valLosses.length < p.epochs && this.belowMedian(r)) {
        r.pruned = true;
        r.handle.cancel();
      }
    }
    this.report();
  }

  private belowMedian(r: Running): boolean {
    const others = this.store
      .trials(this.searchId)
      .filter((t) => t.status === 'done' && t.trial !== r.trial)
      .map((t) => t.valLosses);
    return medianStop(r.valLosses, others);
  }

  private onTrialEnd(r: Running, out: TrialOutcome | { error: string }): void {
    const end = trialEnd(
      out,
      { pruned: r.pruned, valLosses: r.valLosses, seconds: (Date.now() - r.started) / 1000 },
      this.settings.objective,
    );
    this.store.endTrial(this.searchId, r.trial, end);
    if ('objectiveOn' in out && out.objectiveOn === 'evaluation')
      this.store.addNotice(
        this.searchId,
        'The trials are cross-validated, so the objective is measured on the drives their evaluation reports: the best trial was chosen on them and its figures lean optimistic. Confirm it on new days, or tune with a held-out split (folds 0), whose trials are chosen on their validation drives.',
      );
    if (FINISHED.includes(end.status)) this.finished++;
    this.running.delete(r.trial);
    this.report(true);
    this.wake();
  }

  /** The heartbeat (time spent, for resumes) and the cancel asked by the job or by another process. */
  private checkForCancel(): void {
    const now = Date.now();
    const requested = this.store.heartbeat(this.searchId, (now - this.lastBeat) / 1000);
    this.lastBeat = now;
    if (requested || this.hooks.isCancelled()) {
      this.cancelled = true;
      this.wake();
    }
  }

  private report(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastReport < 250) return;
    this.lastReport = now;
    const { settings, finished } = this;
    const spent = (now - this.began) / 1000;
    const perTrial = finished > 0 ? (this.priorSeconds + spent) / finished : null;
    const progress: SearchProgress = {
      searchId: this.searchId,
      fraction: Math.min(1, finished / settings.trials),
      finished,
      total: settings.trials,
      running: [...this.running.values()].map((r) => ({
        trial: r.trial,
        runId: r.runId,
        epoch: r.epoch,
        epochs: r.epochs,
        valLoss: r.valLosses.at(-1) ?? null,
      })),
      best: this.store.info(this.searchId).best?.objective ?? null,
      etaSec:
        perTrial === null ? null : Math.round((perTrial * (settings.trials - finished)) / this.parallel),
    };
    this.hooks.onProgress(progress);
  }

  private noteLossCaveats(tunesLoss: boolean): void {
    if ((this.settings.medianStopping ?? true) && tunesLoss)
      this.store.addNotice(
        this.searchId,
        'Median stopping is off: the loss function is tuned, so validation losses of different trials are not comparable.',
      );
    if (tunesLoss && this.settings.objective.kind === 'val-loss')
      this.store.addNotice(
        this.searchId,
        'The objective is the validation loss while the loss function itself is tuned: losses of different kinds are not comparable; prefer a detection objective.',
      );
  }
}
