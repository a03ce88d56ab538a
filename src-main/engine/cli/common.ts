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

// eslint-disable-next-line no-control-regex -- control characters are what is escaped
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text from the data as a terminal shows it safely: control characters (escape sequences that could retitle the
 * window, move the cursor or hide what follows) printed as \xNN.
 */
export function printable(s: string): string {
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Exits once stdout and stderr have flushed: writes to a pipe are asynchronous, and process.exit straight after a
 * large --json answer cut it off (a cron job's parser read half of it).
 */
export function exitWhenFlushed(code: number): void {
  let waiting = 2;
  const done = (): void => {
    if (--waiting === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
