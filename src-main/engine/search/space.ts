import type { SearchDimension } from '../api-types';

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

interface Column {
  name: string;
  dim: SearchDimension;
  /** First encoded coordinate, and how many (a categorical has one per value). */
  start: number;
  width: number;
}

/**
 * A search space in the unit cube, as the Gaussian process sees it. Every
 * numeric dimension is one coordinate in [0, 1] (a log-float, or an int marked
 * `log`, on a log scale); a categorical is one coordinate per value (one-hot).
 * Points are always projected onto what can actually be run: an integer snapped
 * to its grid, a categorical to the one-hot of its largest coordinate. So the
 * GP never sees two encodings of the same trial, and never a value between two
 * integers or two categories (Garrido-Merchán and Hernández-Lobato, 2020).
 */
export class Space {
  readonly columns: Column[];
  readonly width: number;

  constructor(dimensions: Record<string, SearchDimension>) {
    let start = 0;
    this.columns = Object.entries(dimensions).map(([name, dim]) => {
      const width = dim.type === 'categorical' ? dim.values.length : 1;
      const c = { name, dim, start, width };
      start += width;
      return c;
    });
    this.width = start;
  }

  get names(): string[] {
    return this.columns.map((c) => c.name);
  }

  /** Snaps a relaxed point (any coordinates in [0, 1]) onto the runnable grid, in place. */
  project(u: Float64Array): Float64Array {
    for (const c of this.columns) {
      if (c.dim.type === 'categorical') {
        let best = 0;
        for (let k = 1; k < c.width; k++) if (u[c.start + k] > u[c.start + best]) best = k;
        for (let k = 0; k < c.width; k++) u[c.start + k] = k === best ? 1 : 0;
      } else {
        const x = Math.min(1, Math.max(0, u[c.start]));
        u[c.start] = c.dim.type === 'int' ? this.toUnit(c.dim, this.fromUnit(c.dim, x)) : x;
      }
    }
    return u;
  }

  decode(u: ArrayLike<number>): Params {
    const p: Params = {};
    for (const c of this.columns) {
      if (c.dim.type === 'categorical') {
        let best = 0;
        for (let k = 1; k < c.width; k++) if (u[c.start + k] > u[c.start + best]) best = k;
        p[c.name] = c.dim.values[best];
      } else p[c.name] = this.fromUnit(c.dim, Math.min(1, Math.max(0, u[c.start])));
    }
    return p;
  }

  encode(p: Params): Float64Array {
    const u = new Float64Array(this.width);
    for (const c of this.columns) {
      const v = p[c.name];
      if (c.dim.type === 'categorical') {
        const k = c.dim.values.indexOf(v);
        if (k < 0) throw new Error(`${c.name}: ${String(v)} is not one of ${c.dim.values.join(', ')}`);
        u[c.start + k] = 1;
      } else u[c.start] = this.toUnit(c.dim, Number(v));
    }
    return u;
  }

  /** A uniformly random runnable point. */
  random(random: () => number): Float64Array {
    return this.project(Float64Array.from({ length: this.width }, () => random()));
  }

  /**
   * `n` space-filling points: a Latin hypercube over the dimensions (each
   * dimension's range cut into n strata, one point per stratum, strata shuffled
   * independently per dimension), then projected.
   */
  latin(n: number, random: () => number): Float64Array[] {
    const pts = Array.from({ length: n }, () => new Float64Array(this.width));
    for (const c of this.columns) {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let i = 0; i < n; i++) {
        const x = (order[i] + random()) / n;
        if (c.dim.type === 'categorical') {
          // Stratify the category itself: stratum i of n picks value ⌊x·k⌋.
          const k = Math.min(c.width - 1, Math.floor(x * c.width));
          pts[i][c.start + k] = 1;
        } else pts[i][c.start] = x;
      }
    }
    return pts.map((p) => this.project(p));
  }

  /** The analyst's defaults (the middle of the range, or the first category, where none is given). */
  defaults(): Params {
    const p: Params = {};
    for (const c of this.columns) {
      const d = c.dim;
      if (d.default !== undefined) p[c.name] = d.default;
      else if (d.type === 'categorical') p[c.name] = d.values[0];
      else p[c.name] = this.fromUnit(d, 0.5);
    }
    return p;
  }

  private fromUnit(d: Exclude<SearchDimension, { type: 'categorical' }>, x: number): number {
    const logScale = d.type === 'log-float' || (d.type === 'int' && d.log === true);
    const v = logScale
      ? Math.exp(Math.log(d.min) + x * (Math.log(d.max) - Math.log(d.min)))
      : d.min + x * (d.max - d.min);
    // Six significant digits: what an analyst reads and types (exp(log(x)) is rarely x exactly).
    if (d.type !== 'int') return Number(v.toPrecision(6));
    const step = d.step ?? 1;
    return Math.min(d.max, Math.max(d.min, d.min + Math.round((v - d.min) / step) * step));
  }

  private toUnit(d: Exclude<SearchDimension, { type: 'categorical' }>, v: number): number {
    if (d.max === d.min) return 0.5;
    const logScale = d.type === 'log-float' || (d.type === 'int' && d.log === true);
    const x = logScale
      ? (Math.log(v) - Math.log(d.min)) / (Math.log(d.max) - Math.log(d.min))
      : (v - d.min) / (d.max - d.min);
    return Math.min(1, Math.max(0, x));
  }
}
