import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../store/db';
import type { Dataset } from '../dataset';
import { loadNative, type GbdtParams, type NativeModule } from '../native/addon';
import type { ResolvedTrainConfig } from '../run-store';
import { rng } from '../rng';
import { assignFolds } from '../split';
import { modelFile, toXgboostJson, type GbdtModelFile } from './gbdt-model';
import { foldFile, GBDT_FILE, writeFolds, XGBOOST_FILE } from './model-files';
import { DRIVE_MODEL_FEATURE, monotoneConstraints, RULE_FEATURE } from './window-features';
import {
  selectWindows,
  treeInputs,
  windowTable,
  withModelCodes,
  type TreeInputs,
  type WindowTable,
} from './window-table';

/** What a run's folder holds of a tree model beside the trees: how to rebuild its inputs. */
export interface TreeModelFile extends GbdtModelFile {
  inputs: { spec: TreeInputs['spec']; modelCodes: TreeInputs['modelCodes'] };
  windowDays: number;
  maxGapDays: number;
  /** Drive ids whose windows trained this model, and those whose windows only stopped it early (sorted). */
  trainedOn: number[];
  validatedOn: number[];
}

export interface RoundReport {
  /** 0-based round of the model being fitted, and which model: fold 0..k-1, or k for the final one. */
  round: number;
  model: number;
  models: number;
  rounds: number;
  trainLoss: number;
  valLoss: number | null;
}

export interface TreeHooks {
  onRound(r: RoundReport): void;
  isCancelled(): boolean;
  threads?: number;
}

export interface TreeOutcome {
  status: 'done' | 'cancelled';
  /** Rounds kept in the final model, and its losses per round. */
  rounds: number;
  trainLoss: number[];
  valLoss: (number | null)[];
  notices: string[];
}

/** The engine's tree settings from a run's. */
export function gbdtParams(c: ResolvedTrainConfig, threads: number): GbdtParams {
  const focal = c.loss.kind === 'focal' ? c.loss : null;
  return {
    rounds: c.rounds,
    learningRate: c.learningRate,
    maxDepth: c.maxDepth,
    maxLeaves: c.maxLeaves,
    minChildWeight: c.minChildWeight,
    lambda: c.lambda,
    minSplitGain: c.minSplitGain,
    subsample: c.subsample,
    colsample: c.colsample,
    loss: focal ? 'focal' : 'logistic',
    positiveWeight: c.loss.kind === 'weighted-bce' ? c.loss.positiveWeight : 1,
    gamma: focal?.gamma ?? 2,
    alpha: focal?.alpha ?? 0.25,
    earlyStopRounds: c.earlyStopPatience,
    threads,
    seed: c.seed,
  };
}

/**
 * Trains a tree run into its folder: with folds, one model per fold (each drive's scores will come from the model
 * that did not see it) and then the final model on every drive; without, the final model on the training drives.
 * The final model's rounds are the run's telemetry.
 */
export function trainTrees(
  db: Db,
  dir: string,
  c: ResolvedTrainConfig,
  ds: Dataset,
  hooks: TreeHooks,
): TreeOutcome {
  const native = requireNative();
  const options = {
    kinds: c.windowFeatures,
    driveModel: c.driveModelInput,
    capacity: c.capacityInput,
    rule: c.ruleInput,
  };
  const inputs = treeInputs(db, ds, options);
  const table = windowTable(ds, inputs);
  const params = {
    ...gbdtParams(c, hooks.threads ?? Math.max(1, native.hardwareThreads())),
    ...(c.monotoneCounters ? { monotone: monotoneConstraints(table.features) } : {}),
  };
  const notices = [
    `${table.count.toLocaleString('en-US')} windows, ${table.features.length} inputs per window (${c.windowFeatures.join(', ')} of ${inputs.spec.attributes.length} attributes${inputs.spec.driveModel ? ', drive model' : ''}${inputs.spec.capacity ? ', capacity' : ''}${table.features.some((f) => f.startsWith(`${RULE_FEATURE}:`)) ? ", Backblaze's rule" : ''})`,
  ];
  const models = c.folds >= 2 ? c.folds + 1 : 1;
  const members = Math.max(1, c.ensemble);
  const modelColumn = table.features.indexOf(DRIVE_MODEL_FEATURE);
  const fit = (
    model: number,
    modelInputs: TreeInputs,
    train: (i: number) => boolean,
    val: (i: number) => boolean,
  ): FitResult =>
    fitTrees(
      native,
      table,
      (t) => withModelCodes(t, modelColumn, modelInputs.drives.modelCode),
      train,
      val,
      c,
      params,
      (member, round, trainLoss, valLoss) => {
        hooks.onRound({
          round,
          model: model * members + member,
          models: models * members,
          rounds: c.rounds,
          trainLoss,
          valLoss,
        });
        return !hooks.isCancelled();
      },
    );
  const save = (file: string, r: FitResult, modelInputs: TreeInputs): void => {
    const f: TreeModelFile = {
      ...modelFile(table.features, r.trees.trees),
      inputs: { spec: modelInputs.spec, modelCodes: modelInputs.modelCodes },
      windowDays: c.windowDays,
      maxGapDays: c.maxGapDays,
      trainedOn: driveIdsOf(r.trainRows),
      validatedOn: driveIdsOf(r.valRows),
    };
    writeFileSync(join(dir, file), JSON.stringify(f));
  };
  const split = (i: number): string => ds.split[table.row[i]];
  const driveIdsOf = (rows: Int32Array): number[] =>
    [...new Set(Array.from(rows, (row) => ds.cube.driveIds[row]))].sort((a, b) => a - b);
  if (c.folds >= 2) {
    const fold = assignFolds(
      Array.from(ds.failureDay, (d) => d >= 0),
      c.folds,
      c.seed,
    );
    for (let k = 0; k < c.folds; k++) {
      // The drive-model codes of fold k come from its own training drives: no held-out failure shapes them.
      const foldInputs = treeInputs(db, ds, options, (row) => fold[row] !== k && ds.split[row] === 'train');
      const r = fit(
        k,
        foldInputs,
        (i) => fold[table.row[i]] !== k && split(i) === 'train',
        (i) => fold[table.row[i]] !== k && split(i) === 'val',
      );
      if (r.trees.cancelled) return cancelled(notices);
      save(foldFile(k), r, foldInputs);
    }
    writeFolds(dir, ds.cube.driveIds, fold, c.folds, c.seed);
    notices.push(
      `${c.folds}-fold cross-validation by drive: every drive is scored by the model that did not train on it; the final model (all drives) scores new data`,
    );
  }
  const final = fit(
    models - 1,
    inputs,
    (i) => split(i) === 'train',
    (i) => split(i) === 'val',
  );
  if (final.trees.cancelled) return cancelled(notices);
  save(GBDT_FILE, final, inputs);
  writeFileSync(join(dir, XGBOOST_FILE), toXgboostJson(modelFile(table.features, final.trees.trees)));
  notices.push(...final.notices);
  return {
    status: 'done',
    rounds: final.trees.bestRounds,
    trainLoss: Array.from(final.trees.trainLoss),
    valLoss: Array.from(final.trees.valLoss, (v) => (Number.isNaN(v) ? null : v)),
    notices,
  };
}

interface FitResult {
  trees: NativeFit;
  notices: string[];
  /** Cube rows of the windows trained on and validated on. */
  trainRows: Int32Array;
  valRows: Int32Array;
}

/** One model (the mean of `ensemble` members grown with successive seeds): the chosen windows (negatives sampled down to maxTrainWindows), early stopping on the validation ones. */
function fitTrees(
  native: NativeModule,
  table: WindowTable,
  recode: (t: WindowTable) => WindowTable,
  train: (i: number) => boolean,
  val: (i: number) => boolean,
  c: ResolvedTrainConfig,
  params: GbdtParams,
  onRound: (member: number, round: number, trainLoss: number, valLoss: number) => boolean,
): FitResult {
  const notices: string[] = [];
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < table.count; i++) {
    if (!train(i)) continue;
    if (table.y[i]) positives++;
    else negatives++;
  }
  const keepNegative =
    c.maxTrainWindows > 0 && positives + negatives > c.maxTrainWindows
      ? Math.max(0, c.maxTrainWindows - positives) / negatives
      : 1;
  if (keepNegative < 1)
    notices.push(
      `trained on every failing window and ${(keepNegative * 100).toFixed(1)}% of the healthy ones (maxTrainWindows ${c.maxTrainWindows})`,
    );
  const random = rng(c.seed ^ 0x5bd1e995);
  const t = recode(
    selectWindows(
      table,
      (i) => train(i) && (table.y[i] === 1 || keepNegative >= 1 || random() < keepNegative),
    ),
  );
  if (t.count === 0)
    throw new Error('no training windows: the training drives have no window of this length');
  const v = recode(selectWindows(table, val));
  const members: NativeFit[] = [];
  for (let m = 0; m < Math.max(1, c.ensemble); m++) {
    const fit = native.gbdtTrain(
      t.x,
      t.y,
      t.count,
      table.features.length,
      v.x,
      v.y,
      v.count,
      { ...params, seed: params.seed + m },
      (round, trainLoss, valLoss) => onRound(m, round, trainLoss, valLoss),
    );
    members.push(fit);
    if (fit.cancelled) break;
  }
  const kept = members.map((f) => f.bestRounds);
  if (v.count > 0 && params.earlyStopRounds > 0 && kept.some((k, m) => k < members[m].trainLoss.length))
    notices.push(
      members.length === 1
        ? `kept the first ${kept[0]} of ${members[0].trainLoss.length} rounds: validation loss stopped improving`
        : `kept ${Math.min(...kept)}-${Math.max(...kept)} of up to ${c.rounds} rounds per member: each member stopped when its validation loss stopped improving`,
    );
  if (members.length > 1)
    notices.push(
      `the average of ${members.length} models grown with seeds ${params.seed}-${params.seed + members.length - 1} (each on its own rows and columns sample): one model's ranking of the few failing drives varies with its seed`,
    );
  return { trees: averageOf(members), notices, trainRows: t.row, valRows: v.row };
}

type NativeFit = ReturnType<NativeModule['gbdtTrain']>;

/**
 * The members as one ensemble whose margin is their mean: every tree, its outputs (and gains) divided by the
 * count; the loss curves are the last member's.
 */
export function averageOf(members: NativeFit[]): NativeFit {
  const last = members[members.length - 1];
  if (members.length === 1) return last;
  const share = 1 / members.length;
  return {
    ...last,
    trees: members.flatMap((m) =>
      m.trees.map((t) => ({
        ...t,
        value: t.value.map((x) => x * share),
        gain: t.gain.map((x) => x * share),
      })),
    ),
    bestRounds: members.reduce((s, m) => s + m.bestRounds, 0),
    cancelled: members.some((m) => m.cancelled),
  };
}

function cancelled(notices: string[]): TreeOutcome {
  return { status: 'cancelled', rounds: 0, trainLoss: [], valLoss: [], notices };
}

function requireNative(): NativeModule {
  const { module, error } = loadNative();
  if (!module)
    throw new Error(`gradient-boosted trees run on the native engine, which is unavailable: ${error}`);
  return module;
}
