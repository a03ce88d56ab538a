import { cholesky, cholSolve, cholInverse, solveLower } from './linalg';
import { minimize } from './lbfgs';

/** Kernel hyperparameters, all as natural logarithms (the optimiser works in log space). */
export interface GpHyper {
  /** One length scale per input dimension (inputs are in [0, 1]). */
  logLengths: Float64Array;
  /** Signal variance, in units of the standardised objective. */
  logSignal: number;
  /** Observation noise variance, same units. */
  logNoise: number;
}

export interface FitOptions {
  random: () => number;
  /** Random starting points besides the default (and `warm`) for the marginal-likelihood optimiser. */
  restarts?: number;
  /** The previous fit's hyperparameters: the first starting point (successive fits barely move). */
  warm?: GpHyper;
  maxIter?: number;
}

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);
// Bounds in log space: length scales 0.02..10 of the unit cube, signal 0.05..20, noise 1e-6..1 (standardised units).
const LOG_LENGTH = [Math.log(0.02), Math.log(10)] as const;
const LOG_SIGNAL = [Math.log(0.05), Math.log(20)] as const;
const LOG_NOISE = [Math.log(1e-6), Math.log(1)] as const;
/** Added to the diagonal, growing tenfold, when a factorisation fails. */
const JITTERS = [0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2];

/** Matérn 5/2 of a scaled distance r: (1 + √5 r + 5r²/3) e^(−√5 r). */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** Factors K + jitter·I, escalating the jitter until it factors. */
function factor(k: Float64Array, n: number): { l: Float64Array; jitter: number } | null {
  for (const j of JITTERS) {
    let a = k;
    if (j > 0) {
      a = Float64Array.from(k);
      for (let i = 0; i < n; i++) a[i * n + i] += j;
    }
    const l = cholesky(a, n);
    if (l) return { l, jitter: j };
  }
  return null;
}

/**
 * The negative log marginal likelihood of (xs, ys) (ys standardised) and its gradient, as a function of
 * θ = [log ℓ_1..d, log σ², log σ_n²]: ½ yᵀK⁻¹y + ½ log|K| + n/2 log 2π, and ½ tr((K⁻¹ − ααᵀ) ∂K/∂θ).
 */
export function negLogLikelihood(
  xs: Float64Array[],
  ys: number[],
): (theta: Float64Array) => { value: number; grad: Float64Array } {
  const d = xs[0].length;
  const n = xs.length;
  const mean = ys.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / n) || 1;
  const y = Float64Array.from(ys, (v) => (v - mean) / sd);
  // Squared differences per pair and dimension, computed once for every likelihood evaluation.
  const pairs = (n * (n - 1)) / 2;
  const diff2 = new Float64Array(pairs * d);
  for (let i = 0, p = 0; i < n; i++)
    for (let j = 0; j < i; j++, p++)
      for (let k = 0; k < d; k++) diff2[p * d + k] = (xs[i][k] - xs[j][k]) ** 2;
  return (theta: Float64Array): { value: number; grad: Float64Array } => {
    const inv2 = new Float64Array(d);
    for (let k = 0; k < d; k++) inv2[k] = Math.exp(-2 * theta[k]);
    const s2 = Math.exp(theta[d]);
    const noise = Math.exp(theta[d + 1]);
    const kmat = new Float64Array(n * n);
    const rs = new Float64Array(pairs);
    for (let i = 0, p = 0; i < n; i++) {
      kmat[i * n + i] = s2 + noise;
      for (let j = 0; j < i; j++, p++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += diff2[p * d + k] * inv2[k];
        const r = Math.sqrt(r2);
        rs[p] = r;
        kmat[i * n + j] = kmat[j * n + i] = s2 * matern52(r);
      }
    }
    const f = factor(kmat, n);
    const grad = new Float64Array(d + 2);
    if (!f) return { value: Infinity, grad };
    const alpha = cholSolve(f.l, n, y);
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log(f.l[i * n + i]);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += y[i] * alpha[i];
    const value = 0.5 * fit + logDet + 0.5 * n * LOG_2PI;
    // d nll / dθ = ½ tr((K⁻¹ − ααᵀ) dK/dθ), over the symmetric pairs (twice) and the diagonal.
    const kinv = cholInverse(f.l, n);
    for (let i = 0, p = 0; i < n; i++) {
      const wii = kinv[i * n + i] - alpha[i] * alpha[i];
      grad[d] += 0.5 * wii * s2;
      grad[d + 1] += 0.5 * wii * noise;
      for (let j = 0; j < i; j++, p++) {
        const w = kinv[i * n + j] - alpha[i] * alpha[j];
        const r = rs[p];
        const e = Math.exp(-SQRT5 * r);
        grad[d] += w * s2 * (1 + SQRT5 * r + (5 * r * r) / 3) * e;
        // dk/dlogℓ_k = (5/3) σ² (1 + √5 r) e^(−√5 r) Δ_k² / ℓ_k²
        const c = w * (5 / 3) * s2 * (1 + SQRT5 * r) * e;
        for (let k = 0; k < d; k++) grad[k] += c * diff2[p * d + k] * inv2[k];
      }
    }
    return { value, grad };
  };
}

/**
 * A Gaussian-process regression of an objective over the unit cube: Matérn 5/2
 * with one length scale per dimension (ARD), the objective standardised, the
 * hyperparameters fitted by maximising the log marginal likelihood (L-BFGS from
 * several starting points).
 */
export class GaussianProcess {
  readonly n: number;
  readonly dim: number;
  private readonly yMean: number;
  private readonly yStd: number;
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;
  private readonly invLengths2: Float64Array;
  private readonly signal: number;

  private constructor(
    private readonly xs: Float64Array[],
    readonly ys: number[],
    readonly hyper: GpHyper,
    /** The log marginal likelihood of the standardised objective at `hyper`. */
    readonly logLikelihood: number,
  ) {
    this.n = xs.length;
    this.dim = xs[0]?.length ?? 0;
    this.yMean = ys.reduce((a, b) => a + b, 0) / Math.max(1, ys.length);
    const v = ys.reduce((a, b) => a + (b - this.yMean) ** 2, 0) / Math.max(1, ys.length);
    this.yStd = v > 1e-24 ? Math.sqrt(v) : 1;
    this.signal = Math.exp(hyper.logSignal);
    this.invLengths2 = hyper.logLengths.map((g) => Math.exp(-2 * g));
    const k = this.gram(Math.exp(hyper.logNoise));
    const f = factor(k, this.n);
    if (!f) throw new Error('the Gaussian process covariance could not be factored, even with jitter');
    this.l = f.l;
    this.alpha = cholSolve(f.l, this.n, this.standardised());
  }

  /** A GP at given hyperparameters (no fitting): the hand-checkable case, and the constant liar. */
  static at(xs: Float64Array[], ys: number[], hyper: GpHyper): GaussianProcess {
    const gp = new GaussianProcess(xs, ys, hyper, NaN);
    return gp;
  }

  /** Fits the hyperparameters to (xs, ys) by maximum marginal likelihood. */
  static fit(xs: Float64Array[], ys: number[], opts: FitOptions): GaussianProcess {
    const d = xs[0].length;
    const nll = negLogLikelihood(xs, ys);
    const lower = [...new Array<number>(d).fill(LOG_LENGTH[0]), LOG_SIGNAL[0], LOG_NOISE[0]];
    const upper = [...new Array<number>(d).fill(LOG_LENGTH[1]), LOG_SIGNAL[1], LOG_NOISE[1]];
    const starts: Float64Array[] = [];
    if (opts.warm && opts.warm.logLengths.length === d)
      starts.push(Float64Array.from([...opts.warm.logLengths, opts.warm.logSignal, opts.warm.logNoise]));
    // The default start matters for a first fit; later fits start from the previous one instead.
    if (starts.length === 0)
      starts.push(Float64Array.from([...new Array<number>(d).fill(Math.log(0.3)), 0, Math.log(1e-3)]));
    for (let r = 0; r < (opts.restarts ?? 2); r++)
      starts.push(Float64Array.from(lower, (lo, i) => lo + opts.random() * (upper[i] - lo)));
    let best = { x: starts[0], value: Infinity };
    for (const s of starts) {
      const r = minimize(nll, s, { lower, upper, maxIter: opts.maxIter ?? 60 });
      if (r.value < best.value) best = r;
    }
    const hyper: GpHyper = {
      logLengths: best.x.slice(0, d),
      logSignal: best.x[d],
      logNoise: best.x[d + 1],
    };
    return new GaussianProcess(xs, ys, hyper, -best.value);
  }

  /** The same GP (hyperparameters kept) with more observations: pending trials under a constant lie. */
  withObservations(xs: Float64Array[], ys: number[]): GaussianProcess {
    return GaussianProcess.at([...this.xs, ...xs], [...this.ys, ...ys], this.hyper);
  }

  /** Posterior mean and variance of the latent objective at x, in the objective's own units. */
  predict(x: ArrayLike<number>): { mean: number; variance: number } {
    const kstar = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) kstar[i] = this.signal * matern52(this.distance(x, this.xs[i]));
    let m = 0;
    for (let i = 0; i < this.n; i++) m += kstar[i] * this.alpha[i];
    const v = solveLower(this.l, this.n, kstar);
    let vv = 0;
    for (let i = 0; i < this.n; i++) vv += v[i] * v[i];
    const variance = Math.max(0, this.signal - vv) * this.yStd * this.yStd;
    return { mean: this.yMean + this.yStd * m, variance };
  }

  /** Relevance of each input dimension: 1/ℓ², normalised to sum to 1 (ARD). */
  relevance(): Float64Array {
    const total = this.invLengths2.reduce((a, b) => a + b, 0);
    return this.invLengths2.map((v) => v / total);
  }

  private distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let r2 = 0;
    for (let k = 0; k < this.dim; k++) r2 += (a[k] - b[k]) ** 2 * this.invLengths2[k];
    return Math.sqrt(r2);
  }

  private gram(noise: number): Float64Array {
    const n = this.n;
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      k[i * n + i] = this.signal + noise;
      for (let j = 0; j < i; j++)
        k[i * n + j] = k[j * n + i] = this.signal * matern52(this.distance(this.xs[i], this.xs[j]));
    }
    return k;
  }

  private standardised(): Float64Array {
    return Float64Array.from(this.ys, (v) => (v - this.yMean) / this.yStd);
  }
}
