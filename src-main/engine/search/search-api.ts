import {
  ApiError,
  type ApiRequest,
  type ApiResponse,
  type SearchDimension,
  type SearchSettings,
} from '../api-types';
import type { JobManager } from '../jobs/job-manager';
import type { Db } from '../store/db';
import { SearchStore } from './search-store';
import { Space } from './space';
import { validateSpace } from './trial-config';

type SearchKey =
  | 'search/start'
  | 'search/list'
  | 'search/get'
  | 'search/resume'
  | 'search/cancel'
  | 'search/space'
  | 'search/saveSpace';
type SearchHandlers = { [K in SearchKey]: (arg: ApiRequest<K>) => ApiResponse<K> };

/** The search rows of the Api table: a search runs as a job (one at a time, like every job). */
export function searchHandlers(db: Db, jobs: JobManager, dbPath: string): SearchHandlers {
  const store = new SearchStore(db);
  const lastSpace = db.prepare("SELECT value FROM settings WHERE key = 'search-space'").pluck();
  const saveSpace = db.prepare("INSERT OR REPLACE INTO settings(key, value) VALUES ('search-space', ?)");
  /** The job running each search started by this engine. */
  const jobOf = new Map<number, string>();
  const runningHere = (id: number): boolean => {
    const jobId = jobOf.get(id);
    if (!jobId) return false;
    const state = jobs.get(jobId).state;
    return state === 'queued' || state === 'running';
  };
  const startJob = (id: number): { searchId: number; jobId: string } => {
    const job = jobs.start({ kind: 'search', dbPath, searchId: id }, `search #${id}`);
    jobOf.set(id, job.id);
    return { searchId: id, jobId: job.id };
  };
  return {
    'search/start': (q) => {
      validateSpace(q.space, new Space(q.space.dimensions as Record<string, SearchDimension>));
      saveSpace.run(JSON.stringify(q));
      return startJob(store.create(q));
    },
    'search/space': () => {
      const text = lastSpace.get() as string | undefined;
      return text ? (JSON.parse(text) as SearchSettings) : null;
    },
    'search/saveSpace': (q) => {
      saveSpace.run(JSON.stringify(q));
      return { saved: true };
    },
    'search/list': () => store.list(),
    'search/get': (q) => store.detail(q.id),
    'search/resume': (q) => {
      const info = store.info(q.id);
      if (runningHere(q.id) || info.status === 'running')
        throw new ApiError(
          'conflict',
          `search ${q.id} is running${runningHere(q.id) ? '' : ' in another process'}; cancel it first`,
        );
      const trials = q.trials ?? info.trials;
      if (trials < info.finished)
        throw new ApiError(
          'bad-request',
          `search ${q.id} has already finished ${info.finished} trials; ask for more`,
        );
      if (info.status === 'done' && trials === info.finished)
        throw new ApiError(
          'conflict',
          `search ${q.id} has used its budget of ${info.trials} trials; resume it with more (trials)`,
        );
      store.reopen(q.id, { trials, maxMinutes: q.maxMinutes });
      return startJob(q.id);
    },
    'search/cancel': (q) => {
      store.info(q.id); // not-found first
      // Through the store, so a search run by another process (the CLI) hears it too.
      store.requestCancel(q.id);
      const jobId = jobOf.get(q.id);
      if (jobId && runningHere(q.id)) jobs.cancel(jobId);
      return store.info(q.id);
    },
  };
}
