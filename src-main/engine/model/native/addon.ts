import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RowColumns } from '../../import/row-store';

/** The native engine's Node-API surface (src-main/native/src/addon.cc). */
export interface NativeNet {
  readonly isa: string;
  paramCount(): number;
  /** Values per window of the output (days x channels). */
  outputSize(): number;
  setWeights(w: Float32Array | Float64Array): void;
  getWeights(): Float32Array;
  /** Forward, loss and backward on n windows: [loss, gradient norm before clipping]. */
  compute(x: Float32Array | Float64Array, y: Uint8Array, n: number): [number, number];
  apply(learningRate: number): void;
  discard(): void;
  /** The pending (clipped) gradient of the last compute(). */
  gradients(): Float32Array;
  evaluate(x: Float32Array | Float64Array, y: Uint8Array, n: number): number;
  predict(x: Float32Array | Float64Array, n: number): Float32Array;
  /** d(each window's largest output) / dx, in x's layout (no dropout; weights untouched). */
  inputGradient(x: Float32Array | Float64Array, n: number): Float32Array;
  adamStep(): number;
  getAdam(): { m: Float32Array; v: Float32Array };
  setAdam(step: number, m: Float32Array, v: Float32Array): void;
  dispose(): void;
}

/** Settings of the native gradient-boosted trees (src-main/native/src/gbdt.h). */
export interface GbdtParams {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  maxLeaves: number;
  minChildWeight: number;
  lambda: number;
  minSplitGain: number;
  subsample: number;
  colsample: number;
  loss: 'logistic' | 'focal';
  positiveWeight: number;
  gamma: number;
  alpha: number;
  earlyStopRounds: number;
  maxBins?: number;
  /** Per feature: +1 the output only rises with it, -1 only falls, 0 free (omitted: all free). */
  monotone?: number[];
  threads: number;
  seed: number;
}

/** One tree as the engine returns it: nodes in creation order, 0 the root, feature -1 at a leaf. */
export interface NativeTree {
  feature: Int32Array;
  left: Int32Array;
  right: Int32Array;
  /** Left when x < threshold; a missing x goes left when defaultLeft is 1. */
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  /** Leaf output, or an internal node's expected output (learning rate applied). */
  value: Float64Array;
  gain: Float64Array;
  cover: Float64Array;
}

export interface NativeGbdt {
  trees: NativeTree[];
  trainLoss: Float64Array;
  valLoss: Float64Array;
  bestRounds: number;
  cancelled: boolean;
}

/**
 * A tree ensemble for scoring: every tree's nodes in one set of arrays (children indexed within their tree), tree
 * t's nodes at offset[t] .. offset[t + 1] - 1 (gbdt.h).
 */
export interface NativeForest extends Omit<NativeTree, 'gain' | 'cover'> {
  features: number;
  baseMargin: number;
  offset: Int32Array;
}

/** The importer's fast path: plain CSV rows parsed and encoded natively (src-main/native/src/csv.h). */
export interface NativeCsvRows {
  /** Takes lines from..to-1 (buf[starts[i] .. ends[i])) while each is a plain row; returns the first it leaves. */
  parse(
    buf: Uint8Array,
    starts: Int32Array,
    ends: Int32Array,
    from: number,
    to: number,
    firstLine: number,
    rawBase: number,
  ): number;
  /** A row parsed by the caller (values NaN where missing). */
  push(
    line: number,
    day: number,
    failure: number,
    capacity: number,
    values: Float64Array,
    serial: string,
    model: string,
    rawStart: number,
    rawEnd: number,
    tags: string | null,
  ): void;
  rows(): number;
  /** The rows so far (row-store.ts's RowColumns), and a fresh start. */
  take(): RowColumns;
}

export interface NativeModule {
  /** Trains trees on n rows of f features (row-major, NaN = missing); onRound returning false stops. */
  gbdtTrain(
    x: Float32Array,
    y: Uint8Array,
    n: number,
    f: number,
    xv: Float32Array,
    yv: Uint8Array,
    nv: number,
    params: GbdtParams,
    onRound?: (round: number, trainLoss: number, valLoss: number) => boolean | void,
  ): NativeGbdt;
  /** The loss, its gradient and hessian with respect to the margin, per row (tests). */
  gbdtGradients(
    margin: Float64Array,
    y: Uint8Array,
    params: Partial<GbdtParams>,
  ): { g: Float64Array; h: Float64Array; loss: Float64Array };
  /**
   * Margins of n rows and their path contributions summed per group (feature f's into groupSums[row * groups +
   * group[f]]; -1: nowhere), on `threads` threads.
   */
  gbdtExplain(
    forest: NativeForest,
    x: Float32Array,
    n: number,
    group: Int32Array,
    groups: number,
    margin: Float64Array,
    groupSums: Float64Array,
    threads: number,
  ): void;
  /**
   * A cube standardised for the networks, into `out` (zeroed: what a missing value or an unreported day leaves):
   * output feature g of each present cell reads column src[g] of `values` (rows x days x features), or its change
   * since the day before where change[g], compressed where log[g], then (v - mean) / sd with the row's set of
   * statistics (statsOfRow, sets of g). dataset.ts applyScaler's loop, natively.
   */
  scaleCells(
    values: Float32Array,
    present: Uint8Array,
    rows: number,
    days: number,
    src: Int32Array,
    change: Uint8Array,
    log: Uint8Array,
    statsOfRow: Int32Array,
    mean: Float64Array,
    sd: Float64Array,
    out: Float32Array,
  ): void;
  /** The engine's own version, recorded with every run it trains. */
  version: string;
  NativeNet: new (spec: NetSpec, options?: { precision?: 'float32' | 'float64'; isa?: string }) => NativeNet;
  /**
   * roles: row-parser.ts's column roles; slots, smart: numeric column k's slot and whether it is a SMART value;
   * tagKeys: their names as JSON strings, one per line. Days outside minDay..maxDay are left to the caller.
   */
  CsvRows: new (
    roles: Int32Array,
    slots: Int32Array,
    nSlots: number,
    minDay: number,
    maxDay: number,
    smart: Uint8Array,
    tagKeys: string,
  ) => NativeCsvRows;
  /** Instruction sets this CPU runs that the addon was built with, best first. */
  usableIsas(): string[];
  hardwareThreads(): number;
  /** fp32 GFLOP/s of register-only FMAs on this many threads: the CPU's peak, for benchmarks. */
  peakGflops(threads: number, isa?: string): number;
}

export interface LayerSpec {
  kind: 'lstm' | 'repeat' | 'conv1d' | 'upsample' | 'dense' | 'dropout';
  units?: number;
  returnSequences?: boolean;
  gateActivation?: 'sigmoid' | 'hardSigmoid';
  activation?: 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'hardSigmoid';
  kernelSize?: number;
  stride?: number;
  /** RepeatVector's count, UpSampling's factor. */
  n?: number;
  dropout?: number;
}

export interface NetSpec {
  windowDays: number;
  features: number;
  layers: LayerSpec[];
  loss:
    | { kind: 'mse' }
    | { kind: 'weighted-bce'; positiveWeight: number }
    | { kind: 'focal'; gamma: number; alpha: number }
    | { kind: 'hard-negative'; ratio: number };
  target: 'input' | 'label';
  clipNorm: number;
  threads: number;
  seed: number;
}

const ADDON = join('src-main', 'native', 'build', 'Release', 'dt_native.node');

/** Where the addon may be: DRIVE_TRIAGE_NATIVE, or the build folder above this file (source, bundle or app.asar). */
function candidates(): string[] {
  const out: string[] = [];
  if (process.env.DRIVE_TRIAGE_NATIVE) out.push(process.env.DRIVE_TRIAGE_NATIVE);
  for (let dir = __dirname; ; dir = dirname(dir)) {
    out.push(join(dir, ADDON));
    if (dirname(dir) === dir) break;
  }
  return out;
}

let cached: { module: NativeModule | null; error: string } | undefined;

/**
 * Loads the native engine once. null with the reason when it cannot load: not
 * built (no compiler at install), or built for another platform. The caller
 * falls back to TensorFlow.js and says why.
 */
export function loadNative(): { module: NativeModule | null; error: string } {
  if (cached) return cached;
  if (process.env.DRIVE_TRIAGE_NATIVE === 'off') return (cached = { module: null, error: 'turned off' });
  const found = candidates().find((p) => existsSync(p));
  if (!found) {
    cached = { module: null, error: 'the native engine is not built (npm run build:native)' };
    return cached;
  }
  try {
    cached = { module: createRequire(__filename)(found) as NativeModule, error: '' };
  } catch (err) {
    cached = {
      module: null,
      error: `the native engine at ${found} does not load: ${(err as Error).message}`,
    };
  }
  return cached;
}
