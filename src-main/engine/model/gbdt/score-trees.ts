import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeriesCube, WindowBatch } from '../../catalogue/windows';
import { selectFeatures } from '../dataset';
import { GbdtModel } from './gbdt-model';
import { foldFile, GBDT_FILE, readFolds } from './model-files';
import type { TreeModelFile } from './train-trees';
import { attributeOf, RULE_FEATURE, ruleColumns, windowFeatureMatrix } from './window-features';
import { driveInputsFor } from './window-table';
import type { DriveInfo } from '../../catalogue/drive-info';
import { loadNative, type NativeForest, type NativeModule } from '../native/addon';

interface LoadedModel {
  model: GbdtModel;
  forest: NativeForest;
  /**
   * Per feature column, the group its contribution is summed in: its attribute's index in the spec, A for the rule's
   * sum (shared among its counters by their values afterwards), -1 for the drive's model and capacity.
   */
  group: Int32Array;
  file: TreeModelFile;
  /** The spec indices of the rule's counters. */
  ruleColumns: number[];
}

/**
 * Scores windows with a tree run: each drive by the fold model that did not train on it (cross-validation), any
 * other drive by the final model. The score is the failure probability; the per-attribute "errors" are each
 * attribute's share of the push toward failure (its features' path contributions, summed, where positive).
 */
export class TreeScorer {
  private readonly final: LoadedModel;
  private readonly folds: LoadedModel[] = [];
  private readonly foldOf = new Map<number, number>();
  private readonly native: NativeModule | null;

  constructor(
    dir: string,
    private readonly info: DriveInfo,
    native: NativeModule | null = nativeExplainer(),
  ) {
    this.native = native;
    this.final = load(join(dir, GBDT_FILE));
    const f = readFolds(dir);
    if (f) {
      for (let k = 0; k < f.folds; k++) this.folds.push(load(join(dir, foldFile(k))));
      for (const [id, k] of Object.entries(f.fold)) this.foldOf.set(Number(id), k);
    }
  }

  /** Margins and per-group contributions of n rows: on the native engine where it is built, else in JS. */
  private explain(m: LoadedModel, x: Float32Array, n: number, groups: number): ExplainedRows {
    return this.native
      ? explainNative(this.native, m.forest, m.group, x, n, groups)
      : explainInJs(m.model, m.group, x, n, groups);
  }

  get attributes(): string[] {
    return this.final.file.inputs.spec.attributes;
  }

  /**
   * The scorer of one slice of drives: `raw` is the slice's cube (gaps filled, untransformed), `reported` its
   * presence before filling. Windows must come from the returned cube.
   */
  slice(
    raw: SeriesCube,
    reported: Uint8Array,
  ): {
    cube: SeriesCube;
    score(b: WindowBatch): { score: Float32Array; last: Float32Array };
  } {
    // The trees' attributes come first in the scoring's cube: windows are read from it as loaded.
    const cube = raw.features.slice(0, this.attributes.length).every((f, a) => f === this.attributes[a])
      ? raw
      : selectFeatures(raw, this.attributes);
    const models = [...this.folds, this.final];
    const modelIndex = Int32Array.from(raw.driveIds, (id) => this.foldOf.get(id) ?? this.folds.length);
    const inputs = models.map((m) => driveInputsFor(raw.driveIds, this.info, m.file.inputs.modelCodes));
    const A = this.attributes.length;
    const S = this.final.file.windowDays;
    return {
      cube,
      score: (b) => {
        const score = new Float32Array(b.count);
        const last = new Float32Array(b.count * A);
        const x = new Float32Array(b.count * this.final.model.features.length);
        // Windows of one drive share a model: score runs of them together.
        for (let i = 0; i < b.count;) {
          const m = modelIndex[b.drive[i]];
          let j = i + 1;
          while (j < b.count && modelIndex[b.drive[j]] === m) j++;
          const part = { data: b.data, drive: b.drive, endDay: b.endDay, count: j };
          windowFeatureMatrix(part, cube, reported, S, models[m].file.inputs.spec, inputs[m], x, i);
          const loaded = models[m];
          const F = loaded.model.features.length;
          const rows = x.subarray(i * F, j * F);
          const { margin, sums } = this.explain(loaded, rows, j - i, A + 1);
          for (let r = 0; r < j - i; r++) {
            const w = i + r;
            score[w] = 1 / (1 + Math.exp(-margin[r]));
            for (let a = 0; a < A; a++) last[w * A + a] = sums[r * (A + 1) + a];
            const ruleContribution = sums[r * (A + 1) + A];
            if (ruleContribution !== 0)
              shareRule(ruleContribution, b, w, S, cube.features.length, loaded.ruleColumns, last, A);
            for (let a = 0; a < A; a++) last[w * A + a] = Math.max(0, last[w * A + a]);
          }
          i = j;
        }
        return { score, last };
      },
    };
  }
}

/**
 * Adds the rule's contribution to its counters' columns, in proportion to their values on the window's last day
 * (equally when all are zero): "why flagged" names the counters, not the sum.
 */
export function shareRule(
  contribution: number,
  b: WindowBatch,
  w: number,
  S: number,
  F: number,
  columns: number[],
  last: Float32Array,
  A: number,
): void {
  if (columns.length === 0) return;
  const at = (w * S + S - 1) * F;
  let total = 0;
  for (const a of columns) total += Math.max(0, b.data[at + a] || 0);
  for (const a of columns) {
    const share = total > 0 ? Math.max(0, b.data[at + a] || 0) / total : 1 / columns.length;
    last[w * A + a] += contribution * share;
  }
}

function load(path: string): LoadedModel {
  const file = JSON.parse(readFileSync(path, 'utf8')) as TreeModelFile;
  const attrs = file.inputs.spec.attributes;
  const model = new GbdtModel(file);
  return {
    model,
    forest: model.forest(),
    group: Int32Array.from(file.features, (f) =>
      attributeOf(f) === RULE_FEATURE ? attrs.length : attrs.indexOf(attributeOf(f)),
    ),
    file,
    ruleColumns: ruleColumns(attrs),
  };
}

/** Rows' margins and their path contributions summed per group (rows x groups). */
export interface ExplainedRows {
  margin: Float64Array;
  sums: Float64Array;
}

/** The native engine, where it is built with tree scoring (an older build without it scores in JS). */
function nativeExplainer(): NativeModule | null {
  const { module } = loadNative();
  return module && typeof module.gbdtExplain === 'function' ? module : null;
}

/** Tree scoring on the native engine, on every core (about four times the JS below on the sample's trees). */
export function explainNative(
  native: NativeModule,
  forest: NativeForest,
  group: Int32Array,
  x: Float32Array,
  n: number,
  groups: number,
  threads = native.hardwareThreads(),
): ExplainedRows {
  const margin = new Float64Array(n);
  const sums = new Float64Array(n * groups);
  native.gbdtExplain(forest, x, n, group, groups, margin, sums, threads);
  return { margin, sums };
}

/** The same in JS, from the model's own path contributions: the reference the native scoring is tested against. */
export function explainInJs(
  model: GbdtModel,
  group: Int32Array,
  x: Float32Array,
  n: number,
  groups: number,
): ExplainedRows {
  const F = model.features.length;
  const margin = new Float64Array(n);
  const sums = new Float64Array(n * groups);
  const contrib = new Float64Array(F + 1);
  for (let r = 0; r < n; r++) {
    model.contributions(x, r, contrib);
    let m = 0;
    for (let k = 0; k <= F; k++) m += contrib[k];
    margin[r] = m;
    for (let k = 0; k < F; k++) if (group[k] >= 0) sums[r * groups + group[k]] += contrib[k];
  }
  return { margin, sums };
}
