import type {
  ModelKind,
  SearchDimension,
  SearchObjective,
  SearchSettings,
  TunableField,
} from '../../../src-main/engine/api-types';

/** One row of the space editor; `values` is the categorical's values, comma-separated. */
export interface DimRow {
  name: TunableField;
  type: SearchDimension['type'];
  min: number;
  max: number;
  step: number;
  log: boolean;
  values: string;
}

/** What the Search form holds: the space, the objective and the budgets. */
export interface SearchForm {
  model: ModelKind;
  epochs: number;
  maxWindowsPerEpoch: number;
  dims: DimRow[];
  objectiveKind: SearchObjective['kind'];
  /** Detection's false-alarm rate, in percent. */
  farPercent: number;
  trials: number;
  parallel: number;
  maxMinutes: number | null;
  medianStopping: boolean;
}

/** A small useful default: the learning rate and width of the reference model. */
export const DEFAULT_SEARCH_FORM: SearchForm = {
  model: 'lstm-ae',
  epochs: 3,
  maxWindowsPerEpoch: 20_000,
  dims: [
    { name: 'learningRate', type: 'log-float', min: 1e-4, max: 1e-2, step: 1, log: false, values: '' },
    { name: 'width', type: 'int', min: 16, max: 128, step: 1, log: true, values: '' },
  ],
  objectiveKind: 'val-loss',
  farPercent: 1,
  trials: 20,
  parallel: 2,
  maxMinutes: null,
  medianStopping: true,
};

export function dimensionOf(r: DimRow): SearchDimension {
  if (r.type === 'categorical')
    return {
      type: 'categorical',
      values: r.values
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
        .map((v) =>
          v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v,
        ),
    };
  if (r.type === 'int')
    return {
      type: 'int',
      min: r.min,
      max: r.max,
      ...(r.step > 1 ? { step: r.step } : {}),
      ...(r.log ? { log: true } : {}),
    };
  return { type: r.type, min: r.min, max: r.max };
}

/** The editor's row for a stored dimension (the inverse of dimensionOf). */
export function rowOf(name: TunableField, d: SearchDimension): DimRow {
  if (d.type === 'categorical')
    return { name, type: 'categorical', min: 0, max: 1, step: 1, log: false, values: d.values.join(', ') };
  if (d.type === 'int')
    return { name, type: 'int', min: d.min, max: d.max, step: d.step ?? 1, log: !!d.log, values: '' };
  return { name, type: d.type, min: d.min, max: d.max, step: 1, log: false, values: '' };
}

/** The search the form describes, as `search/start` takes it. */
export function settingsOf(f: SearchForm): SearchSettings {
  const objective: SearchObjective =
    f.objectiveKind === 'detection-at-far'
      ? { kind: 'detection-at-far', far: f.farPercent / 100 }
      : { kind: f.objectiveKind };
  return {
    space: {
      model: f.model,
      epochs: f.epochs,
      maxWindowsPerEpoch: f.maxWindowsPerEpoch,
      dimensions: Object.fromEntries(f.dims.map((r) => [r.name, dimensionOf(r)])),
    },
    objective,
    trials: f.trials,
    parallel: f.parallel,
    maxMinutes: f.maxMinutes || null,
    medianStopping: f.medianStopping,
  };
}

/** The form for stored settings (the workspace's last space); what they leave out keeps the default. */
export function formOf(s: SearchSettings): SearchForm {
  const d = DEFAULT_SEARCH_FORM;
  const dims = Object.entries(s.space.dimensions).flatMap(([name, dim]) =>
    dim ? [rowOf(name as TunableField, dim)] : [],
  );
  return {
    model: (s.space.model as ModelKind | undefined) ?? d.model,
    epochs: s.space.epochs ?? d.epochs,
    maxWindowsPerEpoch: s.space.maxWindowsPerEpoch ?? d.maxWindowsPerEpoch,
    dims: dims.length ? dims : d.dims,
    objectiveKind: s.objective.kind,
    farPercent: s.objective.kind === 'detection-at-far' ? s.objective.far * 100 : d.farPercent,
    trials: s.trials,
    parallel: s.parallel ?? d.parallel,
    maxMinutes: s.maxMinutes ?? null,
    medianStopping: s.medianStopping ?? d.medianStopping,
  };
}

/** The row "Add a setting" appends: dropout, a plain float range the analyst then edits. */
export const newDimRow = (): DimRow => ({
  name: 'dropout',
  type: 'float',
  min: 0,
  max: 0.4,
  step: 1,
  log: false,
  values: '',
});
