import { parentPort, workerData } from 'node:worker_threads';
import { bootstrap } from './bootstrap';
import type { BootstrapJob } from './bootstrap-async';
import { pairedComparison } from './paired';

/** One bootstrap off the engine's thread: the job arrives as workerData, its result goes back as one message. */
const job = workerData as BootstrapJob;
parentPort?.postMessage(
  job.kind === 'paired' ? pairedComparison(job.input, job.options) : bootstrap(job.input, job.options),
);
