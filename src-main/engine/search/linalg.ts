/**
 * The little dense linear algebra the Gaussian process needs, on row-major
 * Float64Arrays. Written out rather than taken from ml-matrix: a GP over 200
 * trials factors a 200 x 200 matrix a few hundred times per proposal, and flat
 * typed arrays are several times faster than arrays of rows (the 1 s budget).
 */

/**
 * Cholesky factor of the symmetric positive-definite n x n matrix `a` (lower
 * triangle read): L with L Lᵀ = a, upper triangle zero. Null when `a` is not
 * positive definite (numerically).
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= l[rj + k] * l[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return null;
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      l[ri + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L x = b (L lower triangular), into a new array. */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * x[k];
    x[i] = s / l[ri + i];
  }
  return x;
}

/** Solves Lᵀ x = b (L lower triangular), into a new array. */
export function solveUpperT(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** (L Lᵀ)⁻¹ b. */
export function cholSolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  return solveUpperT(l, n, solveLower(l, n, b));
}

/** (L Lᵀ)⁻¹, full (symmetric), from the factor: L⁻¹ by forward substitution, then L⁻ᵀ L⁻¹. */
export function cholInverse(l: Float64Array, n: number): Float64Array {
  const li = new Float64Array(n * n); // L⁻¹, lower triangular
  for (let j = 0; j < n; j++) {
    li[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * n + k] * li[k * n + j];
      li[i * n + j] = s / l[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      // (L⁻ᵀ L⁻¹)_ij = Σ_k≥i L⁻¹_ki L⁻¹_kj
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  return inv;
}
