/** A function to minimise with its gradient. */
export type Objective = (x: Float64Array) => { value: number; grad: Float64Array };

export interface MinimizeOptions {
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  maxIter?: number;
  /** Stop when the step changes the value by less than this (relative). */
  tolerance?: number;
  memory?: number;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * Limited-memory BFGS in a box: the two-loop recursion for the direction, a
 * backtracking (Armijo) line search, each trial point clamped into the bounds.
 * A non-finite value counts as a failed step. Small and sufficient for a GP's
 * few hyperparameters; returns the best point seen.
 */
export function minimize(
  f: Objective,
  x0: ArrayLike<number>,
  opts: MinimizeOptions,
): { x: Float64Array; value: number } {
  const n = x0.length;
  const m = opts.memory ?? 6;
  const clamp = (x: Float64Array): Float64Array => {
    for (let i = 0; i < n; i++) x[i] = Math.min(opts.upper[i], Math.max(opts.lower[i], x[i]));
    return x;
  };
  let x = clamp(Float64Array.from(x0));
  let cur = f(x);
  if (!Number.isFinite(cur.value)) return { x, value: Infinity };
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  for (let iter = 0; iter < (opts.maxIter ?? 50); iter++) {
    // Two-loop recursion: d = -H g.
    const q = Float64Array.from(cur.grad);
    const alphas: number[] = [];
    for (let k = ss.length - 1; k >= 0; k--) {
      const a = dot(ss[k], q) / dot(ys[k], ss[k]);
      alphas.push(a);
      for (let i = 0; i < n; i++) q[i] -= a * ys[k][i];
    }
    if (ss.length) {
      const k = ss.length - 1;
      const gamma = dot(ss[k], ys[k]) / dot(ys[k], ys[k]);
      for (let i = 0; i < n; i++) q[i] *= gamma;
    }
    for (let k = 0; k < ss.length; k++) {
      const b = dot(ys[k], q) / dot(ys[k], ss[k]);
      const a = alphas[ss.length - 1 - k];
      for (let i = 0; i < n; i++) q[i] += ss[k][i] * (a - b);
    }
    const d = q.map((v) => -v);
    let slope = dot(d, cur.grad);
    if (!(slope < 0)) {
      // Not a descent direction (curvature lost at a bound): steepest descent, memory cleared.
      ss.length = 0;
      ys.length = 0;
      for (let i = 0; i < n; i++) d[i] = -cur.grad[i];
      slope = dot(d, cur.grad);
      if (!(slope < 0)) break;
    }
    let step = ss.length ? 1 : Math.min(1, 1 / Math.sqrt(dot(cur.grad, cur.grad)));
    let next: { x: Float64Array; value: number; grad: Float64Array } | null = null;
    for (let tries = 0; tries < 20; tries++) {
      const xn = clamp(x.map((v, i) => v + step * d[i]));
      const r = f(xn);
      if (Number.isFinite(r.value) && r.value <= cur.value + 1e-4 * step * slope) {
        next = { x: xn, ...r };
        break;
      }
      step /= 2;
    }
    if (!next) break;
    const s = next.x.map((v, i) => v - x[i]);
    const y = next.grad.map((v, i) => v - cur.grad[i]);
    const improvement = cur.value - next.value;
    x = next.x;
    cur = next;
    if (dot(s, y) > 1e-12) {
      ss.push(s);
      ys.push(y);
      if (ss.length > m) {
        ss.shift();
        ys.shift();
      }
    }
    if (improvement < (opts.tolerance ?? 1e-7) * Math.max(1, Math.abs(cur.value))) break;
  }
  return { x, value: cur.value };
}
