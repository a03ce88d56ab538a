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

interface LoadedModel {
  model: GbdtModel;
  file: TreeModelFile;
  /**
   * For each feature column, the attribute (index in the spec) it belongs to; -1 for the drive's model and
   * capacity; RULE_SHARE for the rule's sum, whose contribution is shared among its counters by their values.
   */
  attributeOf: Int32Array;
  /** The spec indices of the rule's counters. */
  ruleColumns: number[];
}

const RULE_SHARE = -2;

/**
 * Scores windows with a tree run: each drive by the fold model that did not train on it (cross-validation), any
 * other drive by the final model. The score is the failure probability; the per-attribute "errors" are each
 * attribute's share of the push toward failure (its features' path contributions, summed, where positive).
 */
export class TreeScorer {
  private readonly final: LoadedModel;
  private readonly folds: LoadedModel[] = [];
  private readonly foldOf = new Map<number, number>();

  constructor(
    dir: string,
    private readonly info: DriveInfo,
  ) {
    this.final = load(join(dir, GBDT_FILE));
    const f = readFolds(dir);
    if (f) {
      for (let k = 0; k < f.folds; k++) this.folds.push(load(join(dir, foldFile(k))));
      for (const [id, k] of Object.entries(f.fold)) this.foldOf.set(Number(id), k);
    }
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
          const contrib = new Float64Array(F + 1);
          for (let w = i; w < j; w++) {
            loaded.model.contributions(x, w, contrib);
            let margin = 0;
            for (let k = 0; k <= F; k++) margin += contrib[k];
            score[w] = 1 / (1 + Math.exp(-margin));
            let ruleContribution = 0;
            for (let k = 0; k < F; k++) {
              const a = loaded.attributeOf[k];
              if (a >= 0) last[w * A + a] += contrib[k];
              else if (a === RULE_SHARE) ruleContribution += contrib[k];
            }
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
  return {
    model: new GbdtModel(file),
    file,
    attributeOf: Int32Array.from(file.features, (f) =>
      attributeOf(f) === RULE_FEATURE ? RULE_SHARE : attrs.indexOf(attributeOf(f)),
    ),
    ruleColumns: ruleColumns(attrs),
  };
}
