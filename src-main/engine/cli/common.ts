import type { JobInfo } from '../api-types';
import type { Engine } from '../engine';

/** A mistake in the command line: reported with the usage, exit code 2. */
export class UsageError extends Error {}

/** Waits for a job; Ctrl-C cancels it (the job winds down cleanly) instead of killing the process. */
export async function waitWithCtrlC(engine: Engine, jobId: string): Promise<JobInfo> {
  const cancel = (): void => void engine.call('jobs/cancel', { id: jobId });
  process.once('SIGINT', cancel);
  try {
    return await engine.jobs.wait(jobId);
  } finally {
    process.off('SIGINT', cancel);
  }
}
