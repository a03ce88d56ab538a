import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues, fieldProblems, requestSchemas } from './api-schemas';
import {
  ApiError,
  API_KEYS,
  type ApiClient,
  type ApiKey,
  type ApiRequest,
  type ApiResponse,
  type AppInfo,
  type Events,
  type JobInfo,
  isImportResult,
} from './api-types';
import { DriveOrders } from './catalogue/drive-order';
import { driveSeries, listDrives, listModels } from './catalogue/drives';
import { datasetSummary, importedFiles, rejectedRows } from './catalogue/summary';
import { annotateRun, getRun, listRuns, recordThreshold, topScores } from './catalogue/runs';
import { driveErrors } from './catalogue/drive-errors';
import { fleetHeatmap } from './catalogue/fleet-heatmap';
import { JobManager } from './jobs/job-manager';
import { importLockHolder } from './import/import-lock';
import { completeStoredFiles } from './import/drive-tallies';
import { Evaluator } from './eval/evaluator';
import { evalReport } from './eval/report';
import { deleteRun } from './model/run-store';
import { trainDefaults } from './model/run-config';
import { openDb, type Db } from './store/db';
import { VERSION } from './version';
import { searchHandlers } from './search/search-api';
import { buildReport } from './report/build-report';
import { exportReport } from './report/export-report';
import { SearchStore } from './search/search-store';
import {
  currentService,
  putInService,
  retireService,
  serviceHistory,
  serviceInfoById,
} from './triage/service';
import { configureTriage, triageSettings } from './triage/settings';
import { driveReviews, queueCsv, reviewAlerts, triageQueue } from './triage/queue';
import { nearestFailed } from './triage/nearest';

export interface EngineOptions {
  dbPath: string;
  mode: AppInfo['mode'];
  /** Folder of the bundled sample data; found next to the app when not given. */
  samplePath?: string;
  /**
   * Prints a report's HTML file to PDF. By default headless Chromium (playwright-core); the desktop app passes
   * Electron's printToPDF, done by its main process.
   */
  printPdf?: (htmlFile: string, pdfFile: string) => Promise<void>;
}

type Handlers = { [K in ApiKey]: (arg: ApiRequest<K>) => ApiResponse<K> | Promise<ApiResponse<K>> };

export function defaultSamplePath(): string | null {
  const candidates = [
    resolve(__dirname, '../../resources/sample'),
    resolve(__dirname, '../../../resources/sample'),
    resolve(process.cwd(), 'resources/sample'),
  ];
  // Electron sets process.resourcesPath in the packaged app; plain Node has none.
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (typeof resourcesPath === 'string') candidates.unshift(resolve(resourcesPath, 'sample'));
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * The engine: the store, the jobs, and one handler per Api key. Transports
 * (Electron IPC, web mode, the CLI, tests) only ever call `call` and `on`.
 */
export class Engine implements ApiClient {
  readonly db: Db;
  readonly jobs: JobManager;
  private readonly events = new EventEmitter();
  private readonly handlers: Handlers;
  private readonly samplePath: string | null;
  private readonly evaluator: Evaluator;
  private readonly driveOrders: DriveOrders;

  constructor(private readonly opts: EngineOptions) {
    this.db = openDb(opts.dbPath);
    // A file still marked running was cut off, unless another process is importing it right now.
    if (importLockHolder(opts.dbPath) === null) {
      this.db.prepare("UPDATE files SET status = 'interrupted' WHERE status = 'running'").run();
      completeStoredFiles(this.db);
    }
    this.db
      .prepare(
        "UPDATE runs SET status = 'failed', error = 'the process stopped during training' WHERE status = 'running'",
      )
      .run();
    this.samplePath = opts.samplePath ?? defaultSamplePath();
    this.events.setMaxListeners(100);
    this.jobs = new JobManager((event, data) => this.events.emit(event, data));
    this.evaluator = new Evaluator(this.db);
    this.driveOrders = new DriveOrders(this.db);
    // Scores that change (a run scored again) must not be answered from a stale session.
    this.events.on('job/finished', (job: JobInfo) => {
      this.driveOrders.clear();
      if (job.kind === 'score' || job.kind === 'update') this.evaluator.forget();
      // New data can hold a verdict's drive failing, or carry a false alarm past its holding days.
      if (job.kind === 'import') this.evaluator.forgetVerdictLabels();
      if (job.kind === 'import') this.scoreImportedDays(job);
    });
    this.handlers = this.makeHandlers();
  }

  /** After an import that stored readings, the run in service scores them (unless turned off in the settings). */
  private scoreImportedDays(job: JobInfo): void {
    const stored = job.result && isImportResult(job.result) ? job.result.rowsAccepted : 0;
    if (stored === 0 || !currentService(this.db) || !triageSettings(this.db).autoScore) return;
    this.jobs.link(job.id, this.startUpdate(false));
  }

  private startUpdate(backfill: boolean): string {
    return this.jobs.start(
      { kind: 'update', dbPath: this.opts.dbPath, backfill },
      backfill ? 'Raise the alerts of the run put in service' : 'Score the new days with the run in service',
    ).id;
  }

  private makeHandlers(): Handlers {
    const db = this.db;
    const startImport = (paths: string[], label: string): { jobId: string } => ({
      jobId: this.jobs.start({ kind: 'import', dbPath: this.opts.dbPath, paths }, label).id,
    });
    return {
      'app/info': () => ({
        version: VERSION,
        dbPath: this.opts.dbPath,
        mode: this.opts.mode,
        sampleAvailable: this.samplePath !== null,
        empty:
          (db.prepare('SELECT count(*) AS n FROM drives WHERE days_seen > 0').get() as { n: number }).n === 0,
      }),
      'dataset/summary': () => datasetSummary(db),
      'drives/list': (q) => listDrives(db, q, this.driveOrders),
      'drives/models': () => listModels(db),
      'drives/series': (q) => driveSeries(db, q.serial, q.attributes),
      'import/start': (q) => {
        for (const p of q.paths)
          if (!existsSync(p)) throw new ApiError('not-found', `${p}: no such file or folder`);
        const label = q.paths.length === 1 ? q.paths[0] : `${q.paths.length} inputs`;
        return startImport(
          q.paths.map((p) => resolve(p)),
          `Import ${label}`,
        );
      },
      'import/sample': () => {
        if (!this.samplePath)
          throw new ApiError('not-found', 'the bundled sample data is not installed with this copy');
        return startImport([this.samplePath], 'Import the bundled Backblaze sample');
      },
      'import/files': () => importedFiles(db),
      'import/rejects': (q) => rejectedRows(db, q),
      'train/start': (q) => ({
        jobId: this.jobs.start(
          { kind: 'train', dbPath: this.opts.dbPath, config: q.config },
          `Train ${q.config.model}`,
        ).id,
      }),
      'train/defaults': () => trainDefaults(db),
      'runs/list': () => listRuns(db),
      'runs/get': (q) => getRun(db, q.id),
      'runs/delete': (q) => {
        this.evaluator.forget(q.id);
        if (deleteRun(db, this.opts.dbPath, q.id) === 0)
          throw new ApiError('not-found', `no training run with id ${q.id}`);
        return { deleted: q.id };
      },
      'runs/score': (q) => {
        const run = getRun(db, q.id);
        if (!run.weightsDir)
          throw new ApiError('conflict', `run ${q.id} has no saved weights (${run.status})`);
        return {
          jobId: this.jobs.start(
            { kind: 'score', dbPath: this.opts.dbPath, runId: q.id },
            `Score run ${q.id}`,
          ).id,
        };
      },
      'runs/threshold': (q) => recordThreshold(db, q),
      'runs/annotate': (q) => {
        const { epochs: _e, batches: _b, importance: _i, ...info } = annotateRun(db, q);
        return info;
      },
      'runs/resume': (q) => {
        const run = getRun(db, q.id);
        if (run.status === 'running' || run.status === 'done') {
          throw new ApiError(
            'conflict',
            `run ${q.id} is ${run.status}; only a cancelled or failed run can be resumed`,
          );
        }
        return {
          jobId: this.jobs.start(
            { kind: 'train', dbPath: this.opts.dbPath, config: run.config, resumeRunId: q.id },
            `Resume run ${q.id}`,
          ).id,
        };
      },
      'scores/top': (q) => topScores(db, q.runId, q.offset ?? 0, q.limit ?? 100),
      'scores/drive': (q) => driveErrors(db, q.runId, q.serial, q.threshold),
      'scores/heatmap': (q) => fleetHeatmap(db, q),
      'eval/overview': (q) => this.evaluator.session(q.runId, q.labels).overview(),
      'eval/at': (q) => this.evaluator.session(q.runId, q.labels).at(q.level, q.threshold),
      'eval/curves': (q) =>
        this.evaluator.session(q.runId, q.labels).curves(q.level, q.series ?? 'model', q.maxPoints ?? 500),
      'eval/preset': (q) => this.evaluator.session(q.runId, q.labels).preset(q.level, q.preset),
      'eval/lead-times': (q) =>
        this.evaluator.session(q.runId, q.labels).leadTimes(q.threshold, q.binDays ?? 7),
      'eval/alerts': (q) => this.evaluator.session(q.runId, q.labels).alerts(q.threshold),
      'eval/report': (q) => evalReport(this.evaluator, q),
      ...searchHandlers(db, this.jobs, this.opts.dbPath),
      'report/build': (q) => buildReport(db, this.evaluator, q),
      'report/export': async (q) => {
        const trial = db
          .prepare('SELECT search_id FROM search_trials WHERE run_id = ? LIMIT 1')
          .pluck()
          .get(q.runId) as number | undefined;
        const search = trial === undefined ? null : new SearchStore(db).detail(trial);
        return exportReport(await buildReport(db, this.evaluator, q), q, search, this.opts.printPdf);
      },
      'jobs/list': () => this.jobs.list(),
      'jobs/get': (q) => this.jobs.get(q.id),
      'jobs/cancel': (q) => this.jobs.cancel(q.id),
      'triage/service': () => serviceHistory(db),
      'triage/put-in-service': (q) => {
        const id = putInService(db, q);
        return { service: serviceInfoById(db, id), jobId: this.startUpdate(true) };
      },
      'triage/retire': (q) => ({ ended: retireService(db, q.why) }),
      'triage/settings': () => triageSettings(db),
      'triage/configure': (q) => {
        const settings = configureTriage(db, q);
        // The false alarms' holding days decide which count as negatives.
        this.evaluator.forgetVerdictLabels();
        return settings;
      },
      'triage/update': () => {
        if (!currentService(db))
          throw new ApiError('conflict', 'no run is in service: put a scored run in service first');
        return { jobId: this.startUpdate(false) };
      },
      'triage/queue': (q) => triageQueue(db, q),
      'triage/review': (q) => {
        const r = reviewAlerts(db, q);
        this.evaluator.forgetVerdictLabels();
        return r;
      },
      'triage/reviews': (q) => driveReviews(db, q.serial),
      'triage/nearest': (q) => nearestFailed(db, q),
      'triage/export': (q) => queueCsv(db, q.show),
    };
  }

  /** Validates the payload, then runs the handler. Errors come back as ApiError with a readable message. */
  async call<K extends ApiKey>(key: K, arg: ApiRequest<K>): Promise<ApiResponse<K>> {
    if (!(API_KEYS as readonly string[]).includes(key))
      throw new ApiError('bad-request', `unknown Api key "${String(key)}"`);
    const parsed = requestSchemas[key].safeParse(arg ?? {});
    if (!parsed.success) {
      const err = parsed.error as z.ZodError;
      throw new ApiError('bad-request', describeIssues(key, err), fieldProblems(err));
    }
    try {
      return await this.handlers[key](parsed.data as ApiRequest<K>);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('internal', (err as Error).message);
    }
  }

  on<E extends keyof Events>(event: E, cb: (data: Events[E]) => void): () => void {
    this.events.on(event, cb);
    return () => this.events.off(event, cb);
  }

  async close(): Promise<void> {
    await this.jobs.close();
    this.db.close();
  }
}
