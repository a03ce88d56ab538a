import { workerData } from 'node:worker_threads';
import { runSearch } from '../search/run-search';
import type { JobOrder } from './job-protocol';
import { runJob } from './run-job';

/** A search's thread: proposes trials (the Gaussian process) and runs them, each in a model worker of its own. */
void runJob(workerData as JobOrder, (db, order, hooks) => {
  if (order.kind !== 'search') throw new Error(`the search worker cannot run a ${order.kind} job`);
  return runSearch(db, order.dbPath, order.searchId, hooks);
});
