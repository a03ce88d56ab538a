import type { ModelKind, TrainConfig } from '../../../src-main/engine/api-types';

/** Settings only some model kinds read: a value another kind carries is a default it ignores, not a difference. */
const USED_BY: Record<string, readonly ModelKind[]> = {
  units: ['lstm-ae', 'lstm-clf'],
  depth: ['lstm-ae'],
  filters: ['conv-ae'],
  perDay: ['lstm-clf'],
  dropout: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  epochs: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  batchSize: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  warmupSteps: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  decay: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  oversample: ['lstm-clf'],
  clipNorm: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  spike: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  maxWindowsPerEpoch: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  maxValWindows: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  dailyChanges: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  scaleByModel: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  backend: ['lstm-ae', 'conv-ae', 'lstm-clf'],
  rounds: ['gbdt'],
  maxDepth: ['gbdt'],
  maxLeaves: ['gbdt'],
  minChildWeight: ['gbdt'],
  lambda: ['gbdt'],
  minSplitGain: ['gbdt'],
  subsample: ['gbdt'],
  colsample: ['gbdt'],
  windowFeatures: ['gbdt'],
  driveModelInput: ['gbdt'],
  capacityInput: ['gbdt'],
  ruleInput: ['gbdt'],
  monotoneCounters: ['gbdt'],
  ensemble: ['gbdt'],
  maxTrainWindows: ['gbdt'],
};

/** Whether a model kind reads a setting. */
export function usesSetting(kind: ModelKind, key: string): boolean {
  return USED_BY[key]?.includes(kind) ?? true;
}

/** A setting as people read it: `lstm-ae`, `0.001`, `yes`, `last, max`, `focal (gamma 2, alpha 0.25)`. */
export function settingText(v: unknown): string {
  if (v === undefined || v === null) return '–';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(settingText).join(', ');
  if (typeof v === 'object') {
    const { kind, ...rest } = v as Record<string, unknown>;
    // Keys in a fixed order: the same rule written in another order is the same setting.
    const inner = Object.entries(rest)
      .sort((x, y) => x[0].localeCompare(y[0]))
      .map(([k, x]) => `${k} ${settingText(x)}`)
      .join(', ');
    return kind !== undefined ? `${settingText(kind)}${inner ? ` (${inner})` : ''}` : inner;
  }
  return String(v);
}

export interface SettingDifference {
  key: string;
  a: string;
  b: string;
}

/** The settings two runs differ in, as text; a setting neither run's kind reads is left out, one kind's shows '–'. */
export function settingDifferences(
  a: { kind: ModelKind; config: TrainConfig },
  b: { kind: ModelKind; config: TrainConfig },
): SettingDifference[] {
  const ca = a.config as unknown as Record<string, unknown>;
  const cb = b.config as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ca), ...Object.keys(cb)])].sort();
  return keys
    .filter((k) => usesSetting(a.kind, k) || usesSetting(b.kind, k))
    .map((k) => ({
      key: k,
      a: usesSetting(a.kind, k) ? settingText(ca[k]) : '–',
      b: usesSetting(b.kind, k) ? settingText(cb[k]) : '–',
    }))
    .filter((d) => d.a !== d.b);
}

export interface RunSetting {
  key: string;
  value: string;
  /** Whether it is the engine's default for the run's kind (unknown: no defaults given). */
  isDefault: boolean | null;
}

/**
 * A run's settings as the form would show them, read-only: those its kind reads, by name, as text, each marked
 * where it is the engine's default for that kind (`train/defaults`), so what was chosen stands out.
 */
export function runSettings(
  run: { kind: ModelKind; config: TrainConfig },
  defaults: TrainConfig | null,
): RunSetting[] {
  const c = run.config as unknown as Record<string, unknown>;
  const d = (defaults ?? {}) as unknown as Record<string, unknown>;
  return Object.keys(c)
    .filter((k) => k !== 'model' && usesSetting(run.kind, k) && c[k] !== undefined)
    .sort()
    .map((k) => ({
      key: k,
      value: settingText(c[k]),
      isDefault: defaults ? settingText(d[k]) === settingText(c[k]) : null,
    }));
}

const article = (noun: string): string => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;

/**
 * Whether two runs' losses can share a chart: the same family (trees, or networks) minimising the same loss with
 * the same settings; else why not, in words.
 */
export function comparableLosses(
  a: { kind: ModelKind; config: TrainConfig },
  b: { kind: ModelKind; config: TrainConfig },
): { comparable: true } | { comparable: false; why: string } {
  const family = (k: ModelKind): string =>
    k === 'gbdt' ? 'trees' : k === 'lstm-clf' ? 'classifier' : 'autoencoder';
  if (family(a.kind) !== family(b.kind))
    return {
      comparable: false,
      why: `${article(family(a.kind))} and ${article(family(b.kind))} minimise different losses`,
    };
  const la = settingText(a.config.loss);
  const lb = settingText(b.config.loss);
  if (la !== lb) return { comparable: false, why: `the losses differ (${la} against ${lb})` };
  return { comparable: true };
}
