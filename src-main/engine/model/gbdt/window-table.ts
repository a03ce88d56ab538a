import type { Db } from '../../store/db';
import { labelledWindows, type Dataset } from '../dataset';
import {
  driveModelCodes,
  featureNames,
  windowFeatureMatrix,
  type DriveInputs,
  type FeatureSpec,
} from './window-features';
import { readDriveInfo, type DriveInfo } from '../../catalogue/drive-info';

/** Every window of a dataset as tree inputs: one feature row per window, its label and its drive's cube row. */
export interface WindowTable {
  features: string[];
  x: Float32Array;
  y: Uint8Array;
  row: Int32Array;
  count: number;
}

/** What the trees read beside the windows: the spec, and each drive's model code and capacity. */
export interface TreeInputs {
  spec: FeatureSpec;
  /** Drive model -> code (null when the model is not an input). */
  modelCodes: Record<string, number> | null;
  drives: DriveInputs;
}

/** The inputs of a dataset, model codes fitted on its training drives. */
export function treeInputs(
  db: Db,
  ds: Dataset,
  opts: { kinds: FeatureSpec['kinds']; driveModel: boolean; capacity: boolean; rule: boolean },
  trainRow: (row: number) => boolean = (row) => ds.split[row] === 'train',
): TreeInputs {
  const spec: FeatureSpec = {
    attributes: ds.scaler.features,
    kinds: opts.kinds,
    driveModel: opts.driveModel,
    capacity: opts.capacity,
    rule: opts.rule,
  };
  const info = readDriveInfo(db);
  const models = Array.from(ds.cube.driveIds, (id) => info.modelOf(id));
  const modelCodes = opts.driveModel
    ? driveModelCodes(
        models,
        Array.from(ds.failureDay, (d) => d >= 0),
        models.map((_, row) => trainRow(row)),
      )
    : null;
  return { spec, modelCodes, drives: driveInputsFor(ds.cube.driveIds, info, modelCodes) };
}

/** Per cube row of a set of drives: its model's code (NaN if unknown) and capacity in TB (NaN if unknown). */
export function driveInputsFor(
  driveIds: Int32Array,
  info: DriveInfo,
  modelCodes: Record<string, number> | null,
): DriveInputs {
  const modelCode = new Float32Array(driveIds.length);
  const capacityTb = new Float32Array(driveIds.length);
  driveIds.forEach((id, row) => {
    const code = modelCodes ? modelCodes[info.modelOf(id)] : undefined;
    modelCode[row] = code ?? NaN;
    const capacity = info.capacityOf(id);
    capacityTb[row] = capacity ? capacity / 1e12 : NaN;
  });
  return { modelCode, capacityTb };
}

/** Reads every window of the dataset's raw cube (Dataset.raw) into a table. */
export function windowTable(ds: Dataset, inputs: TreeInputs): WindowTable {
  if (!ds.raw) throw new Error('tree inputs are read from the raw cube: build the dataset with keepRaw');
  const raw = ds.raw;
  const names = featureNames(inputs.spec);
  const width = names.length;
  const parts: { x: Float32Array; y: Uint8Array; row: Int32Array }[] = [];
  let count = 0;
  const S = ds.config.windowDays;
  for (const b of labelledWindows(ds, {
    splits: ['train', 'val', 'test'],
    healthyOnly: false,
    batchSize: 4096,
    raw: true,
  })) {
    const batch = { data: b.x, drive: b.drive, endDay: b.endDay, count: b.count };
    parts.push({
      x: windowFeatureMatrix(batch, raw.cube, raw.reported, S, inputs.spec, inputs.drives),
      y: b.y.slice(0, b.count),
      row: b.drive.slice(0, b.count),
    });
    count += b.count;
  }
  const x = new Float32Array(count * width);
  const y = new Uint8Array(count);
  const row = new Int32Array(count);
  let at = 0;
  for (const p of parts) {
    x.set(p.x, at * width);
    y.set(p.y, at);
    row.set(p.row, at);
    at += p.y.length;
  }
  return { features: names, x, y, row, count };
}

/** The table's windows where keep(i) holds, as a new table. */
export function selectWindows(t: WindowTable, keep: (i: number) => boolean): WindowTable {
  const F = t.features.length;
  const idx: number[] = [];
  for (let i = 0; i < t.count; i++) if (keep(i)) idx.push(i);
  const x = new Float32Array(idx.length * F);
  const y = new Uint8Array(idx.length);
  const row = new Int32Array(idx.length);
  idx.forEach((w, k) => {
    x.set(t.x.subarray(w * F, (w + 1) * F), k * F);
    y[k] = t.y[w];
    row[k] = t.row[w];
  });
  return { features: t.features, x, y, row, count: idx.length };
}

/** The table with its drive-model column recoded (each fold's codes come from its own training drives). */
export function withModelCodes(t: WindowTable, column: number, modelCode: Float32Array): WindowTable {
  if (column < 0) return t;
  const F = t.features.length;
  for (let i = 0; i < t.count; i++) t.x[i * F + column] = modelCode[t.row[i]];
  return t;
}
