import { expectedImprovement } from './acquisition';
import { GaussianProcess, type GpHyper } from './gp';
import type { Space } from './space';

export interface Observation {
  /** The encoded, projected point. */
  x: Float64Array;
  /** The objective, to be minimised (a maximised objective arrives negated). */
  y: number;
}

export interface ProposeOptions {
  random: () => number;
  /** Random (uniform) candidates scored by EI before the local refinement. */
  candidates?: number;
  /** The previous fit, to start the marginal-likelihood search from. */
  warm?: GpHyper;
  /** Random restarts of the marginal-likelihood search besides the default and warm starts. */
  restarts?: number;
}

export interface Proposal {
  x: Float64Array;
  /** The expected improvement at x (in the objective's units). */
  ei: number;
  gp: GaussianProcess;
}

const same = (a: Float64Array, b: Float64Array): boolean => {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-9) return false;
  return true;
};

/**
 * The next point to try: a GP fitted to the finished trials, the pending ones
 * added under a constant lie (the best value so far: "CL-min", so parallel
 * proposals spread out instead of piling onto one optimum), and expected
 * improvement maximised over random candidates, perturbations of the best
 * trials, then a local refinement of the five most promising (shrinking random
 * steps, each projected onto the grid). A point already tried or pending is
 * never proposed; null when every candidate was one (a small discrete space
 * used up).
 */
export function proposeNext(
  space: Space,
  observed: Observation[],
  pending: Float64Array[],
  opts: ProposeOptions,
): Proposal | null {
  const random = opts.random;
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const fitted = GaussianProcess.fit(
    observed.map((o) => o.x),
    observed.map((o) => o.y),
    { random, warm: opts.warm, restarts: opts.restarts ?? (observed.length > 60 ? 1 : 2) },
  );
  const best = Math.min(...observed.map((o) => o.y));
  const gp = pending.length
    ? fitted.withObservations(
        pending,
        pending.map(() => best),
      )
    : fitted;
  const taken = [...observed.map((o) => o.x), ...pending];
  const isNew = (x: Float64Array): boolean => !taken.some((t) => same(t, x));
  const scale = Math.max(1e-12, Math.abs(best));
  const ei = (x: Float64Array): number => {
    const p = gp.predict(x);
    return expectedImprovement(p.mean, Math.sqrt(p.variance), best, 0.01 * scale);
  };

  const pool: Float64Array[] = [];
  for (let i = 0; i < (opts.candidates ?? 1024); i++) pool.push(space.random(random));
  const ranked = [...observed].sort((a, b) => a.y - b.y).slice(0, 5);
  for (const o of ranked)
    for (let i = 0; i < 64; i++) pool.push(space.project(o.x.map((v) => v + 0.1 * gauss())));
  const scored = pool.filter(isNew).map((x) => ({ x, v: ei(x) }));
  if (scored.length === 0) return null;
  scored.sort((a, b) => b.v - a.v);

  let winner = scored[0];
  for (const start of scored.slice(0, 5)) {
    let cur = start;
    for (let it = 0; it < 40; it++) {
      const sigma = 0.05 * Math.pow(0.1, it / 40);
      const x = space.project(cur.x.map((v) => v + sigma * gauss()));
      if (!isNew(x)) continue;
      const v = ei(x);
      if (v > cur.v) cur = { x, v };
    }
    if (cur.v > winner.v) winner = cur;
  }
  return { x: winner.x, ei: winner.v, gp: fitted };
}
