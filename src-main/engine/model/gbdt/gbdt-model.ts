import type { NativeForest, NativeTree } from '../native/addon';

/**
 * A trained tree ensemble as saved in a run's folder (`gbdt.json`) and used for scoring: every tree's nodes
 * flattened into one set of arrays, so predicting a window is a few array reads per tree.
 */
export interface GbdtModelFile {
  format: 'drive-triage-gbdt/1';
  /** Matrix column names (window-features.ts). */
  features: string[];
  /** The margin every prediction starts from (0: probability 0.5, as XGBoost's base_score 0.5). */
  baseMargin: number;
  trees: {
    feature: number[];
    left: number[];
    right: number[];
    threshold: number[];
    defaultLeft: number[];
    value: number[];
    gain: number[];
    cover: number[];
  }[];
}

/** The ensemble in flat arrays: node k of tree t is at offset[t] + k. */
export class GbdtModel {
  readonly features: string[];
  readonly baseMargin: number;
  readonly treeCount: number;
  private readonly offset: Int32Array;
  private readonly feature: Int32Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly threshold: Float32Array;
  private readonly defaultLeft: Uint8Array;
  private readonly value: Float64Array;

  constructor(readonly file: GbdtModelFile) {
    this.features = file.features;
    this.baseMargin = file.baseMargin;
    this.treeCount = file.trees.length;
    const total = file.trees.reduce((s, t) => s + t.feature.length, 0);
    this.offset = new Int32Array(file.trees.length);
    this.feature = new Int32Array(total);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.threshold = new Float32Array(total);
    this.defaultLeft = new Uint8Array(total);
    this.value = new Float64Array(total);
    let at = 0;
    file.trees.forEach((t, i) => {
      this.offset[i] = at;
      this.feature.set(t.feature, at);
      this.left.set(t.left, at);
      this.right.set(t.right, at);
      this.threshold.set(t.threshold, at);
      this.defaultLeft.set(t.defaultLeft, at);
      this.value.set(t.value, at);
      at += t.feature.length;
    });
  }

  /** The node a row reaches in tree t, and the path it takes there (node indexes within the flat arrays). */
  private leaf(t: number, x: Float32Array, rowAt: number, path?: number[]): number {
    const base = this.offset[t];
    let node = base;
    for (;;) {
      path?.push(node);
      const f = this.feature[node];
      if (f < 0) return node;
      const v = x[rowAt + f];
      const left = v !== v ? this.defaultLeft[node] === 1 : v < this.threshold[node];
      node = base + (left ? this.left[node] : this.right[node]);
    }
  }

  /** Margins (log-odds) of n rows of the feature matrix. */
  margins(x: Float32Array, n: number, out = new Float64Array(n)): Float64Array {
    const F = this.features.length;
    for (let i = 0; i < n; i++) {
      let m = this.baseMargin;
      for (let t = 0; t < this.treeCount; t++) m += this.value[this.leaf(t, x, i * F)];
      out[i] = m;
    }
    return out;
  }

  /** Failure probabilities of n rows. */
  probabilities(x: Float32Array, n: number, out = new Float32Array(n)): Float32Array {
    const m = this.margins(x, n);
    for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-m[i]));
    return out;
  }

  /**
   * Path contributions (Saabas) of one row: along each tree's path, the change of the expected output at each split
   * goes to the split's feature. Returns features + 1 values, the last the bias (base margin and the roots'
   * outputs); they add up to the row's margin exactly.
   */
  contributions(
    x: Float32Array,
    row: number,
    out = new Float64Array(this.features.length + 1),
  ): Float64Array {
    const F = this.features.length;
    out.fill(0);
    out[F] = this.baseMargin;
    const path: number[] = [];
    for (let t = 0; t < this.treeCount; t++) {
      path.length = 0;
      this.leaf(t, x, row * F, path);
      out[F] += this.value[path[0]];
      for (let k = 1; k < path.length; k++)
        out[this.feature[path[k - 1]]] += this.value[path[k]] - this.value[path[k - 1]];
    }
    return out;
  }

  /** The ensemble as the native engine scores it (the same arrays, the end of the last tree appended). */
  forest(): NativeForest {
    const offset = new Int32Array(this.treeCount + 1);
    offset.set(this.offset);
    offset[this.treeCount] = this.feature.length;
    return {
      features: this.features.length,
      baseMargin: this.baseMargin,
      offset,
      feature: this.feature,
      left: this.left,
      right: this.right,
      threshold: this.threshold,
      defaultLeft: this.defaultLeft,
      value: this.value,
    };
  }

  /** Total split gain per feature: the global importance shown on a run's page. */
  gainImportance(): { feature: string; gain: number }[] {
    const gain = new Float64Array(this.features.length);
    for (const t of this.file.trees)
      t.feature.forEach((f, k) => {
        if (f >= 0) gain[f] += t.gain[k];
      });
    return this.features.map((feature, i) => ({ feature, gain: gain[i] })).sort((a, b) => b.gain - a.gain);
  }
}

/** A run's model file from the engine's trees. */
export function modelFile(features: string[], trees: NativeTree[]): GbdtModelFile {
  return {
    format: 'drive-triage-gbdt/1',
    features,
    baseMargin: 0,
    trees: trees.map((t) => ({
      feature: Array.from(t.feature),
      left: Array.from(t.left),
      right: Array.from(t.right),
      threshold: Array.from(t.threshold),
      defaultLeft: Array.from(t.defaultLeft),
      value: Array.from(t.value),
      gain: Array.from(t.gain),
      cover: Array.from(t.cover),
    })),
  };
}

/** XGBoost's reader refuses an integer where it wants a float: floats travel marked, and are written with a point. */
const FLOAT_MARK = '\u0000f:';
const floats = (values: number[]): string[] =>
  values.map((v) => FLOAT_MARK + (Number.isInteger(v) ? v.toFixed(1) : String(v)));

/**
 * The ensemble as text in XGBoost's JSON model format (1.7 / 2.x), objective binary:logistic with base_score 0.5,
 * so `xgboost.Booster(model_file=…)` in Python loads it and predicts the same probabilities.
 */
export function toXgboostJson(file: GbdtModelFile): string {
  return JSON.stringify(xgboostObject(file)).replace(/"\\u0000f:([^"]*)"/g, '$1');
}

function xgboostObject(file: GbdtModelFile): unknown {
  const F = file.features.length;
  const trees = file.trees.map((t, id) => {
    const parents = new Array<number>(t.feature.length).fill(2147483647);
    t.feature.forEach((f, k) => {
      if (f >= 0) {
        parents[t.left[k]] = k;
        parents[t.right[k]] = k;
      }
    });
    const leaf = (k: number): boolean => t.feature[k] < 0;
    return {
      base_weights: floats(t.value),
      categories: [],
      categories_nodes: [],
      categories_segments: [],
      categories_sizes: [],
      default_left: t.defaultLeft,
      id,
      left_children: t.left,
      loss_changes: floats(t.gain),
      parents,
      right_children: t.right,
      split_conditions: floats(t.feature.map((_, k) => (leaf(k) ? t.value[k] : t.threshold[k]))),
      split_indices: t.feature.map((f) => Math.max(f, 0)),
      split_type: t.feature.map(() => 0),
      sum_hessian: floats(t.cover),
      tree_param: {
        num_deleted: '0',
        num_feature: String(F),
        num_nodes: String(t.feature.length),
        size_leaf_vector: '0',
      },
    };
  });
  return {
    learner: {
      attributes: {},
      feature_names: file.features,
      feature_types: file.features.map(() => 'float'),
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(trees.length) },
          tree_info: trees.map(() => 0),
          trees,
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: String(1 / (1 + Math.exp(-file.baseMargin))),
        num_class: '0',
        num_feature: String(F),
        num_target: '1',
      },
      objective: { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [1, 7, 4],
  };
}
