import { ApiError, type LossSpec, type SearchSpace, type TrainConfig } from '../api-types';
import { trainConfig } from '../api-schemas';
import type { Params, Space } from './space';

/** Loss settings a search can tune beside the loss kind (the usual values as defaults: weight 10, focal gamma 2 and alpha 0.25, 3 hard negatives per positive). */
const LOSS_DEFAULTS = { positiveWeight: 10, focalGamma: 2, focalAlpha: 0.25, hardNegativeRatio: 3 };

/**
 * One trial's training settings: the space's fixed settings, then the trial's
 * values (`width` is `units`; `loss` a kind, its own settings from the loss
 * dimensions or the fixed loss). Validated like any run's settings, so a trial
 * that could not run is refused before it starts, naming the setting.
 */
export function trialConfig(space: SearchSpace, params: Params): TrainConfig {
  const { dimensions, ...fixed } = space;
  void dimensions;
  const c: Record<string, unknown> = { ...fixed };
  const lossParams: Record<string, number> = {};
  for (const [name, value] of Object.entries(params)) {
    if (name === 'width') c.units = value;
    else if (name in LOSS_DEFAULTS) lossParams[name] = Number(value);
    else if (name !== 'loss') c[name] = value;
  }
  const fixedLoss = fixed.loss;
  const kind = (params.loss as LossSpec['kind'] | undefined) ?? fixedLoss?.kind;
  if (kind !== undefined) {
    const from = (k: keyof typeof LOSS_DEFAULTS, own: number | undefined): number =>
      lossParams[k] ?? own ?? LOSS_DEFAULTS[k];
    const f = fixedLoss as Partial<Record<string, number>> | undefined;
    const losses: Record<LossSpec['kind'], LossSpec> = {
      mse: { kind: 'mse' },
      'weighted-bce': { kind: 'weighted-bce', positiveWeight: from('positiveWeight', f?.positiveWeight) },
      focal: { kind: 'focal', gamma: from('focalGamma', f?.gamma), alpha: from('focalAlpha', f?.alpha) },
      'hard-negative': { kind: 'hard-negative', ratio: Math.round(from('hardNegativeRatio', f?.ratio)) },
    };
    if (!(kind in losses))
      throw new ApiError('bad-request', `loss "${kind}" is not one of ${Object.keys(losses).join(', ')}`);
    c.loss = losses[kind];
  }
  const r = trainConfig.safeParse(c);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ApiError(
      'bad-request',
      `a trial with ${JSON.stringify(params)} cannot run: ${issue.path.join('.') || 'settings'}: ${issue.message}`,
    );
  }
  return r.data;
}

/**
 * Refuses a space some of whose trials could never run, before the search
 * starts: the defaults, every dimension at its lowest and highest (the others
 * at their defaults), and every value of every categorical.
 */
export function validateSpace(space: SearchSpace, s: Space): void {
  const base = s.defaults();
  const cases: Params[] = [base];
  for (const c of s.columns) {
    const d = c.dim;
    if (d.type === 'categorical') for (const v of d.values) cases.push({ ...base, [c.name]: v });
    else
      for (const edge of [0, 1]) {
        const u = s.encode(base);
        u[c.start] = edge;
        cases.push({ ...base, [c.name]: s.decode(s.project(u))[c.name] });
      }
  }
  for (const p of cases) trialConfig(space, p);
}
