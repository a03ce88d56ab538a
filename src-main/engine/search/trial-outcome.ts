import type { SearchObjective, TrialStatus } from '../api-types';
import type { TrialOutcome } from '../jobs/job-protocol';

/** How a trial ended, as the store records it. */
export interface TrialEnd {
  status: TrialStatus;
  objective: number | null;
  seconds: number;
  error: string | null;
}

/**
 * A trial's end from what its worker returned: a crash or a failed run is `failed` (with why), a trial the median
 * rule stopped is `pruned`, a cancelled one `cancelled` (it runs again on resume), a finished run without a finite
 * objective `failed`, else `done` with its objective.
 */
export function trialEnd(
  out: TrialOutcome | { error: string },
  trial: { pruned: boolean; valLosses: number[]; seconds: number },
  objective: SearchObjective,
): TrialEnd {
  const { seconds } = trial;
  if ('error' in out && !('status' in out))
    return { status: 'failed', objective: null, seconds, error: out.error };
  if (trial.pruned)
    return {
      status: 'pruned',
      // Under a loss objective the loss it reached is a fair (pessimistic) observation; otherwise there is none.
      objective:
        objective.kind === 'val-loss' && trial.valLosses.length ? Math.min(...trial.valLosses) : null,
      seconds,
      error: null,
    };
  if (out.status === 'cancelled') return { status: 'cancelled', objective: null, seconds, error: null };
  if (out.status === 'failed')
    return { status: 'failed', objective: null, seconds, error: out.error ?? 'failed' };
  if (out.objective === null || !Number.isFinite(out.objective))
    return {
      status: 'failed',
      objective: null,
      seconds,
      error: 'the run finished without the objective (no validation or test drives?)',
    };
  return { status: 'done', objective: out.objective, seconds, error: null };
}
