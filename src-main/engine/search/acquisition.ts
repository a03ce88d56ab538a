/** Standard normal density. */
export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/**
 * Standard normal distribution function, through erfc (Numerical Recipes'
 * Chebyshev fit, relative error below 1.2e-7 everywhere, tails included).
 */
export function normCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const r =
    t *
    Math.exp(
      -ax * ax -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return 0.5 * (x >= 0 ? r : 2 - r);
}

/**
 * Expected improvement of a Gaussian posterior (mean, sd) below the best value
 * so far (minimisation), with a small margin xi:
 * EI = (best − mean − xi) Φ(z) + sd φ(z), z = (best − mean − xi) / sd.
 */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  const gain = best - mean - xi;
  if (!(sd > 1e-12)) return Math.max(0, gain);
  const z = gain / sd;
  return gain * normCdf(z) + sd * normPdf(z);
}
