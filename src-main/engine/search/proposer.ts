import type { TrialSource } from '../api-types';
import { rng } from '../model/rng';
import { proposeNext, type Observation } from './propose';
import { FINISHED, type SearchStore } from './search-store';
import type { Params, Space } from './space';

/** A trial to run: its number, parameters (and their point in the unit cube), where they came from. */
export interface NextTrial {
  trial: number;
  params: Params;
  x: Float64Array;
  source: TrialSource;
  ei: number | null;
}

const same = (a: Float64Array, b: Float64Array): boolean => a.every((v, i) => Math.abs(v - b[i]) < 1e-9);

/**
 * Where the next trial's parameters come from: trial 0 the analyst's defaults, then a Latin hypercube of `initial`
 * points, then the Gaussian process's proposal given the finished trials and the running ones (random points while
 * fewer than two have an objective). Never a point already tried; null when none is left.
 */
export class Proposer {
  private readonly design: Float64Array[];

  constructor(
    private readonly store: SearchStore,
    private readonly searchId: number,
    private readonly space: Space,
    private readonly initial: number,
    private readonly seed: number,
    /** +1 when the objective is minimised, -1 when maximised: observations are always minimised. */
    private readonly sign: number,
    private nextTrial: number,
  ) {
    this.design = space.latin(initial, rng(seed));
  }

  next(running: Float64Array[]): NextTrial | null {
    const trial = this.nextTrial;
    const taken = this.store.trials(this.searchId).map((t) => this.space.encode(t.params));
    const fresh = (x: Float64Array): boolean => !taken.some((t) => same(t, x));
    let x: Float64Array | null = null;
    let source: TrialSource = 'gp';
    let ei: number | null = null;
    if (trial === 0) {
      x = this.space.project(this.space.encode(this.space.defaults()));
      source = 'default';
    } else if (trial < this.initial && fresh(this.design[trial])) {
      x = this.design[trial];
      source = 'initial';
    }
    if (!x) {
      const obs = this.observed();
      const random = rng(this.seed * 7919 + trial);
      if (obs.length < 2) {
        for (let i = 0; i < 100 && !x; i++) {
          const r = this.space.random(random);
          if (fresh(r)) x = r;
        }
        source = 'random';
      } else {
        const p = proposeNext(this.space, obs, running, { random, warm: this.store.hyper(this.searchId) });
        if (p) {
          x = p.x;
          ei = p.ei;
          this.store.saveHyper(this.searchId, p.gp.hyper);
        }
      }
    }
    if (!x) return null;
    this.nextTrial++;
    return { trial, params: this.space.decode(x), x, source, ei };
  }

  private observed(): Observation[] {
    return this.store
      .trials(this.searchId)
      .filter((t) => FINISHED.includes(t.status) && t.objective !== null)
      .map((t) => ({ x: this.space.encode(t.params), y: this.sign * (t.objective as number) }));
  }
}
