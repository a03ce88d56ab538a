import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rng } from '../model/rng';
import { expectedImprovement, normCdf, normPdf } from './acquisition';
import { GaussianProcess, negLogLikelihood, type GpHyper } from './gp';
import { cholesky, cholInverse, cholSolve } from './linalg';

const close = (a: number, b: number, tol: number, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('Cholesky: L Lᵀ rebuilds a positive-definite matrix; the inverse and solves agree', () => {
  const random = rng(1);
  const n = 12;
  const b = Float64Array.from({ length: n * n }, () => random() - 0.5);
  const a = new Float64Array(n * n); // BᵀB + n I
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[k * n + i] * b[k * n + j];
      a[i * n + j] = s;
    }
  const l = cholesky(a, n)!;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += l[i * n + k] * l[j * n + k];
      close(s, a[i * n + j], 1e-12, 'L Lᵀ');
    }
  const inv = cholInverse(l, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
      close(s, i === j ? 1 : 0, 1e-12, 'A A⁻¹');
    }
  const rhs = Float64Array.from({ length: n }, (_, i) => i - 3);
  const x = cholSolve(l, n, rhs);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k] * x[k];
    close(s, rhs[i], 1e-12, 'A x = b');
  }
  // Not positive definite: refused, not a NaN factor.
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), null);
});

test('the GP posterior of two points, computed by hand', () => {
  // Points 0 and 1 in one dimension, y = 1 and 3 (standardised: -1 and 1); ℓ = 0.5, σ² = 2, σn² = 0.01.
  const m = (r: number): number => (1 + Math.sqrt(5) * r + (5 * r * r) / 3) * Math.exp(-Math.sqrt(5) * r);
  const hyper: GpHyper = {
    logLengths: Float64Array.of(Math.log(0.5)),
    logSignal: Math.log(2),
    logNoise: Math.log(0.01),
  };
  const gp = GaussianProcess.at([Float64Array.of(0), Float64Array.of(1)], [1, 3], hyper);
  const s2 = 2;
  const kd = s2 + 0.01; // diagonal
  const c = s2 * m(1 / 0.5); // between the points, r = 1/ℓ
  const x = 0.3;
  const a = s2 * m(x / 0.5);
  const b = s2 * m((1 - x) / 0.5);
  const det = kd * kd - c * c;
  // K⁻¹ = [[kd, −c], [−c, kd]] / det; y = [−1, 1]
  const alpha = [(-kd - c) / det, (c + kd) / det];
  const meanStd = a * alpha[0] + b * alpha[1];
  const quad = (kd * (a * a + b * b) - 2 * a * b * c) / det;
  const p = gp.predict([x]);
  close(p.mean, 2 + 1 * meanStd, 1e-12, 'mean');
  close(p.variance, (s2 - quad) * 1, 1e-12, 'variance');
  // At a training point the posterior mean is (almost) the observation, the variance small.
  close(gp.predict([0]).mean, 1, 0.01, 'mean at a data point');
  assert.ok(gp.predict([0]).variance < 0.02);
  // Far away: the prior (mean of the data, signal variance).
  close(gp.predict([40]).mean, 2, 1e-9, 'mean far away');
  close(gp.predict([40]).variance, s2, 1e-9, 'variance far away');
});

test('the marginal likelihood’s gradient matches finite differences', () => {
  const random = rng(7);
  const xs = Array.from({ length: 9 }, () => Float64Array.from({ length: 3 }, () => random()));
  const ys = xs.map((x) => Math.sin(4 * x[0]) + x[1] * x[1] + 0.1 * random());
  const f = negLogLikelihood(xs, ys);
  const theta = Float64Array.of(-1, -0.3, 0.4, 0.2, Math.log(0.01));
  const { grad } = f(theta);
  for (let i = 0; i < theta.length; i++) {
    const h = 1e-5;
    const up = Float64Array.from(theta);
    const down = Float64Array.from(theta);
    up[i] += h;
    down[i] -= h;
    close(grad[i], (f(up).value - f(down).value) / (2 * h), 1e-5, `∂/∂θ${i}`);
  }
});

test('fitting finds the relevant dimension (ARD): a short length scale where the objective moves', () => {
  const random = rng(3);
  const xs = Array.from({ length: 30 }, () => Float64Array.from({ length: 3 }, () => random()));
  const ys = xs.map((x) => Math.sin(6 * x[1]));
  const gp = GaussianProcess.fit(xs, ys, { random, restarts: 2 });
  const rel = gp.relevance();
  assert.ok(rel[1] > 0.8, `relevance ${Array.from(rel).join(', ')}`);
  // And it predicts a held-out point well.
  close(gp.predict([0.5, 0.4, 0.5]).mean, Math.sin(2.4), 0.05, 'held-out');
});

test('duplicated points do not break the fit: jitter instead of a failed factorisation', () => {
  const x = Float64Array.of(0.5, 0.5);
  const gp = GaussianProcess.fit([x, x, x, Float64Array.of(0.1, 0.9)], [1, 1, 1, 2], { random: rng(2) });
  assert.ok(Number.isFinite(gp.predict([0.3, 0.3]).mean));
});

test('expected improvement: its closed form against numerical integration', () => {
  // EI = E[max(best − Y, 0)], Y ~ N(mean, sd²): integrate the normal density by the trapezoid rule.
  for (const [mean, sd, best] of [
    [0, 1, 0],
    [1, 0.5, 0.2],
    [-1, 2, 0],
    [0.3, 0.01, 0.31],
    [5, 1, 0],
  ]) {
    let sum = 0;
    const steps = 200_000;
    const lo = mean - 12 * sd;
    const hi = mean + 12 * sd;
    const h = (hi - lo) / steps;
    for (let i = 0; i <= steps; i++) {
      const y = lo + i * h;
      const w = i === 0 || i === steps ? 0.5 : 1;
      sum += (w * Math.max(best - y, 0) * normPdf((y - mean) / sd)) / sd;
    }
    close(expectedImprovement(mean, sd, best), sum * h, 1e-6, `EI(${mean}, ${sd}, ${best})`);
  }
  close(expectedImprovement(0, 1, 0), 1 / Math.sqrt(2 * Math.PI), 1e-7, 'EI at the best');
  assert.equal(expectedImprovement(1, 0, 3), 2); // no uncertainty: the plain gain
  assert.equal(expectedImprovement(3, 0, 1), 0);
  close(normCdf(1.959963985), 0.975, 1e-7, 'Φ');
  close(normCdf(-5), 2.866515719e-7, 1e-6, 'Φ tail');
});
