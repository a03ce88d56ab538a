import { z } from 'zod';
import {
  REPORT_SECTIONS,
  TUNABLE_FIELDS,
  WINDOW_FEATURES,
  type ApiKey,
  type ApiRequest,
  type SearchDimension,
  type SearchSettings,
  type TrainConfig,
} from './api-types';

const empty = z.object({}).strict();
const text = z.string().max(4096);

const positiveInt = z.number().int().min(1);
const fraction = z.number().min(0).max(0.9);

/** A training run's settings (TrainConfig): bounds a typo or a wild value cannot pass. */
export const trainConfig: z.ZodType<TrainConfig> = z
  .object({
    model: z.enum(['lstm-ae', 'conv-ae', 'lstm-clf', 'gbdt']),
    attributes: z.array(text).min(1).max(200).optional(),
    windowDays: positiveInt.max(365).optional(),
    horizonDays: z.number().int().min(0).max(365).optional(),
    stride: positiveInt.max(365).optional(),
    maxGapDays: z.number().int().min(0).max(30).optional(),
    valFraction: fraction.optional(),
    testFraction: fraction.optional(),
    testFromDay: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')
      .nullable()
      .optional(),
    units: positiveInt.max(2048).optional(),
    depth: z.number().int().min(0).max(4).optional(),
    filters: positiveInt.max(1024).optional(),
    dropout: z.number().min(0).max(0.9).optional(),
    perDay: z.boolean().optional(),
    loss: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('mse') }).strict(),
        z.object({ kind: z.literal('weighted-bce'), positiveWeight: z.number().positive() }).strict(),
        z
          .object({ kind: z.literal('focal'), gamma: z.number().min(0), alpha: z.number().min(0).max(1) })
          .strict(),
        z.object({ kind: z.literal('hard-negative'), ratio: positiveInt }).strict(),
      ])
      .optional(),
    epochs: positiveInt.max(10_000).optional(),
    batchSize: positiveInt.max(65_536).optional(),
    learningRate: z.number().positive().max(10).optional(),
    warmupSteps: z.number().int().min(0).optional(),
    decay: z.enum(['none', 'cosine']).optional(),
    oversample: z.number().min(1).max(1000).optional(),
    maxWindowsPerEpoch: z.number().int().min(0).optional(),
    maxValWindows: z.number().int().min(0).optional(),
    clipNorm: z.number().min(0).optional(),
    spike: z
      .object({
        kind: z.enum(['ratio', 'robust']).optional(),
        factor: z.number().gt(1),
        window: positiveInt.max(10_000),
        robustZ: z.number().gt(0).optional(),
        action: z.enum(['record', 'skip', 'rollback']),
      })
      .strict()
      .optional(),
    earlyStopPatience: z.number().int().min(0).optional(),
    seed: z.number().int().optional(),
    backend: z.enum(['tensorflow', 'native', 'wasm', 'cpu']).optional(),
    rounds: positiveInt.max(100_000).optional(),
    maxDepth: z.number().int().min(0).max(32).optional(),
    maxLeaves: z.number().int().min(0).max(65_536).optional(),
    minChildWeight: z.number().min(0).optional(),
    lambda: z.number().min(0).optional(),
    minSplitGain: z.number().min(0).optional(),
    subsample: z.number().gt(0).max(1).optional(),
    colsample: z.number().gt(0).max(1).optional(),
    windowFeatures: z.array(z.enum(WINDOW_FEATURES)).min(1).optional(),
    driveModelInput: z.boolean().optional(),
    capacityInput: z.boolean().optional(),
    ruleInput: z.boolean().optional(),
    monotoneCounters: z.boolean().optional(),
    ensemble: z.number().int().min(1).max(50).optional(),
    maxTrainWindows: z.number().int().min(0).optional(),
    dailyChanges: z.boolean().optional(),
    scaleByModel: z.boolean().optional(),
    folds: z
      .number()
      .int()
      .min(0)
      .max(20)
      .refine((k) => k !== 1, 'folds: 0 for the held-out split, or 2 and more')
      .optional(),
  })
  .strict()
  // Said at the door rather than by a failed run: the encoder halves the window twice.
  .refine((c) => c.model !== 'conv-ae' || (c.windowDays ?? 16) % 4 === 0, {
    message: 'the convolution autoencoder needs a window length divisible by 4',
    path: ['windowDays'],
  })
  .refine((c) => c.model !== 'gbdt' || !c.loss || c.loss.kind === 'weighted-bce' || c.loss.kind === 'focal', {
    message: 'gradient-boosted trees learn with weighted-bce (logistic) or focal loss',
    path: ['loss'],
  })
  .refine((c) => !c.folds || !c.testFromDay, {
    message: 'cross-validation splits by drive; it cannot be combined with a time split (testFromDay)',
    path: ['folds'],
  })
  .refine((c) => c.model !== 'gbdt' || (c.maxDepth ?? 4) > 0 || (c.maxLeaves ?? 0) > 0, {
    message: 'set maxDepth or maxLeaves above 0',
    path: ['maxDepth'],
  });

const runId = z.number().int();
const level = z.enum(['window', 'drive']);
const labels = z.enum(['data', 'verdicts', 'both']).optional();
const finite = z.number().finite();
const thresholdPreset = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('max-f1') }).strict(),
  z.object({ kind: z.literal('far'), far: z.number().min(0).max(1) }).strict(),
  z
    .object({ kind: z.literal('budget'), alerts: z.number().positive(), per: z.enum(['day', 'week']) })
    .strict(),
  z
    .object({ kind: z.literal('cost'), missCost: z.number().min(0), falseAlarmCost: z.number().min(0) })
    .strict(),
]);

const bounds = <T extends { min: number; max: number; default?: number }>(
  d: T,
  ctx: z.RefinementCtx,
): void => {
  if (d.min > d.max) ctx.addIssue({ code: 'custom', message: `min (${d.min}) is above max (${d.max})` });
  if (d.default !== undefined && (d.default < d.min || d.default > d.max))
    ctx.addIssue({ code: 'custom', message: `default ${d.default} is outside ${d.min}..${d.max}` });
};
const searchDimension: z.ZodType<SearchDimension> = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('float'), min: finite, max: finite, default: finite.optional() })
    .strict()
    .superRefine(bounds),
  z
    .object({
      type: z.literal('log-float'),
      min: z.number().positive(),
      max: z.number().positive(),
      default: finite.optional(),
    })
    .strict()
    .superRefine(bounds),
  z
    .object({
      type: z.literal('int'),
      min: z.number().int(),
      max: z.number().int(),
      step: positiveInt.optional(),
      log: z.boolean().optional(),
      default: z.number().int().optional(),
    })
    .strict()
    .superRefine(bounds)
    .refine((d) => !d.log || d.min > 0, { message: 'a log-scale integer needs min above 0' }),
  z
    .object({
      type: z.literal('categorical'),
      values: z
        .array(z.union([text, finite, z.boolean()]))
        .min(1)
        .max(64),
      default: z.union([text, finite, z.boolean()]).optional(),
    })
    .strict()
    .refine((d) => d.default === undefined || d.values.includes(d.default), {
      message: 'default is not one of the values',
    }),
]);

/** A search: its space (fixed training settings beside the dimensions), objective and budgets. */
export const searchSettings: z.ZodType<SearchSettings> = z
  .object({
    space: z
      .object({
        dimensions: z
          .partialRecord(z.enum(TUNABLE_FIELDS), searchDimension)
          .refine((d) => Object.keys(d).length > 0, { message: 'give at least one dimension to tune' })
          .refine((d) => !('width' in d && 'units' in d), {
            message: 'width and units are the same setting',
          }),
      })
      // The fixed settings are checked as whole training configurations when the search starts.
      .passthrough(),
    objective: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('val-loss') }).strict(),
      z.object({ kind: z.literal('detection-at-far'), far: z.number().gt(0).lt(1) }).strict(),
      z.object({ kind: z.literal('average-precision') }).strict(),
    ]),
    trials: positiveInt.max(1000),
    parallel: positiveInt.max(8).optional(),
    maxMinutes: z.number().positive().nullable().optional(),
    initialTrials: positiveInt.max(1000).optional(),
    medianStopping: z.boolean().optional(),
    seed: z.number().int().optional(),
    name: text.optional(),
  })
  .strict() as z.ZodType<SearchSettings>;

const reportFields = {
  runId: z.number().int(),
  labels,
  threshold: z.number().finite().optional(),
  far: z.number().gt(0).lt(1).optional(),
  budget: z.number().positive().optional(),
  sections: z.array(z.enum(REPORT_SECTIONS)).min(1).optional(),
  heatmaps: z.number().int().min(0).max(50).optional(),
  bootstrap: z.number().int().min(0).max(10_000).optional(),
};
const oneThreshold = (q: { threshold?: number; far?: number; budget?: number }): boolean =>
  [q.threshold, q.far, q.budget].filter((v) => v !== undefined).length <= 1;
const oneThresholdMessage = { message: 'give at most one of threshold, far and budget' };

const queueShow = z.enum(['pending', 'reviewed', 'muted', 'over-budget', 'all']);

/** Every request is validated here before a handler sees it. */
export const requestSchemas: { [K in ApiKey]: z.ZodType<ApiRequest<K>> } = {
  'app/info': empty,
  'dataset/summary': empty,
  'drives/list': z
    .object({
      model: text.optional(),
      status: z.enum(['all', 'failed', 'healthy']).optional(),
      search: text.optional(),
      sort: z
        .enum(['serial', 'model', 'capacity', 'firstDay', 'lastDay', 'daysSeen', 'failureDay', 'score'])
        .optional(),
      dir: z.enum(['asc', 'desc']).optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(5000).optional(),
      runId: z.number().int().optional(),
      flaggedAt: z.number().optional(),
    })
    .strict()
    .refine((q) => q.flaggedAt === undefined || q.runId !== undefined, {
      message: 'counting flagged drives needs the run whose scores to use (runId)',
      path: ['flaggedAt'],
    }),
  'drives/models': empty,
  'drives/series': z.object({ serial: text.min(1), attributes: z.array(text).max(400).optional() }).strict(),
  'import/start': z.object({ paths: z.array(text.min(1)).min(1).max(100_000) }).strict(),
  'import/sample': empty,
  'import/files': empty,
  'import/rejects': z
    .object({
      fileId: z.number().int().optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    })
    .strict(),
  'train/start': z.object({ config: trainConfig }).strict(),
  'train/defaults': empty,
  'runs/list': empty,
  'runs/get': z.object({ id: z.number().int() }).strict(),
  'runs/delete': z.object({ id: z.number().int() }).strict(),
  'runs/score': z.object({ id: z.number().int() }).strict(),
  'runs/resume': z.object({ id: z.number().int() }).strict(),
  'runs/annotate': z
    .object({
      id: z.number().int(),
      name: z.string().max(120).nullable().optional(),
      note: z.string().max(4000).nullable().optional(),
    })
    .strict(),
  'runs/threshold': z
    .object({
      runId: z.number().int(),
      threshold: finite,
      level: z.enum(['drive', 'window']),
      chosenBy: z.enum(['slider', 'max-f1', 'far', 'budget', 'cost']),
      reason: z.string().min(1).max(500),
    })
    .strict(),
  'scores/top': z
    .object({
      runId: z.number().int(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    })
    .strict(),
  'scores/drive': z.object({ runId, serial: text, threshold: finite.optional() }).strict(),
  'scores/heatmap': z
    .object({
      runId,
      top: z.number().int().min(1).max(5000).optional(),
      model: text.optional(),
      days: z.number().int().min(1).max(3660).optional(),
    })
    .strict(),
  'eval/overview': z.object({ runId, labels }).strict(),
  'eval/at': z.object({ runId, labels, level, threshold: finite }).strict(),
  'eval/curves': z
    .object({
      runId,
      labels,
      level,
      series: z.enum(['model', 'backblaze-rule', 'robust-z']).optional(),
      maxPoints: z.number().int().min(10).max(100_000).optional(),
    })
    .strict(),
  'eval/preset': z.object({ runId, labels, level, preset: thresholdPreset }).strict(),
  'eval/lead-times': z
    .object({ runId, labels, threshold: finite, binDays: positiveInt.max(365).optional() })
    .strict(),
  'eval/alerts': z.object({ runId, labels, threshold: finite }).strict(),
  'eval/report': z
    .object({
      runId,
      labels,
      level: level.optional(),
      threshold: finite.optional(),
      far: z.number().min(0).max(1).optional(),
      budget: z.number().positive().optional(),
      bootstrap: z.number().int().min(0).max(10_000).optional(),
      seed: z.number().int().optional(),
    })
    .strict(),
  'search/start': searchSettings,
  'search/list': empty,
  'search/get': z.object({ id: runId }).strict(),
  'search/resume': z
    .object({
      id: runId,
      trials: positiveInt.max(1000).optional(),
      maxMinutes: z.number().positive().nullable().optional(),
    })
    .strict(),
  'search/cancel': z.object({ id: runId }).strict(),
  'search/space': empty,
  'search/saveSpace': searchSettings,
  'report/build': z.object(reportFields).strict().refine(oneThreshold, oneThresholdMessage),
  'report/export': z
    .object({
      ...reportFields,
      outDir: text.min(1),
      formats: z.array(z.enum(['html', 'pdf', 'csv'])).min(1),
    })
    .strict()
    .refine(oneThreshold, oneThresholdMessage),
  'jobs/list': empty,
  'jobs/get': z.object({ id: text }).strict(),
  'jobs/cancel': z.object({ id: text }).strict(),
  'triage/service': empty,
  'triage/put-in-service': z
    .object({
      runId,
      threshold: finite.optional(),
      modelThresholds: z.record(text, finite).optional(),
      chosenBy: z.enum(['run', 'slider', 'max-f1', 'far', 'budget', 'cost']).optional(),
      reason: z.string().min(1).max(500).optional(),
      why: z.string().max(2000).optional(),
    })
    .strict(),
  'triage/retire': z.object({ why: z.string().max(2000).optional() }).strict(),
  'triage/settings': empty,
  'triage/configure': z
    .object({
      autoScore: z.boolean().optional(),
      dailyBudget: positiveInt.max(1_000_000).nullable().optional(),
      quiet: z.record(text, z.array(text).max(400)).optional(),
      falseAlarmHoldDays: z.number().int().min(0).max(3650).optional(),
    })
    .strict(),
  'triage/update': empty,
  'triage/queue': z
    .object({
      show: queueShow.optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    })
    .strict(),
  'triage/review': z
    .object({
      alertIds: z.array(z.number().int()).min(1).max(100_000),
      verdict: z.enum(['acknowledged', 'confirmed', 'replaced', 'false-alarm', 'snoozed', 'note']),
      snoozeDays: positiveInt.max(3650).optional(),
      note: z.string().max(4000).optional(),
    })
    .strict()
    .refine((q) => q.verdict !== 'snoozed' || q.snoozeDays !== undefined, {
      message: 'a snooze needs snoozeDays',
      path: ['snoozeDays'],
    })
    .refine((q) => q.verdict !== 'note' || (q.note ?? '').trim() !== '', {
      message: 'a note needs its text',
      path: ['note'],
    }),
  'triage/reviews': z.object({ serial: text.min(1) }).strict(),
  'triage/nearest': z
    .object({ serial: text.min(1), runId: runId.optional(), k: positiveInt.max(50).optional() })
    .strict(),
  'triage/export': z.object({ show: queueShow.optional() }).strict(),
};

/**
 * A one-line account of everything wrong with a payload, each problem in words and named by its field
 * ("epochs must be at least 1; learningRate must be above 0"), not zod's "Too small: expected number to be >=1".
 */
export function describeIssues(key: string, err: z.ZodError): string {
  return `bad request for ${key}: ${err.issues.map(issueInWords).join('; ')}`;
}

/**
 * Each field's problems, as a form shows them beside the field: "must be at least 1" under Epochs. A problem with
 * no field of its own (an unknown setting) is under "the request".
 */
export function fieldProblems(err: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of err.issues) {
    const field = fieldOf(i);
    const words = issueInWords(i);
    (out[field] ??= []).push(words.startsWith(`${field} `) ? words.slice(field.length + 1) : words);
  }
  return out;
}

/** The field an issue is about, as the request names it (a training setting without its `config.` prefix). */
function fieldOf(i: z.ZodError['issues'][number]): string {
  const path = i.path.map(String);
  return (path[0] === 'config' ? path.slice(1) : path).join('.') || 'the request';
}

/** One zod issue as a sentence about its field (a training setting is named without its `config.` prefix). */
export function issueInWords(i: z.ZodError['issues'][number]): string {
  const path = i.path.map(String);
  const field = fieldOf(i);
  const issue = i as unknown as Record<string, unknown>;
  switch (i.code) {
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `${field} needs at least ${issue.minimum as number} ${issue.origin === 'array' ? 'item' : 'character'}${issue.minimum === 1 ? '' : 's'}`
        : `${field} must be ${issue.inclusive ? 'at least' : 'above'} ${issue.minimum as number}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `${field} takes at most ${issue.maximum as number} ${issue.origin === 'array' ? 'item' : 'character'}${issue.maximum === 1 ? '' : 's'}`
        : `${field} must be ${issue.inclusive ? 'at most' : 'below'} ${issue.maximum as number}`;
    case 'invalid_type':
      if (issue.expected === 'int') return `${field} must be a whole number`;
      return `${field} must be ${/^[aeiou]/.test(String(issue.expected)) ? 'an' : 'a'} ${String(issue.expected)}`;
    case 'invalid_union':
      // A discriminated union names its options; another union cannot say which form was meant.
      return Array.isArray(issue.options)
        ? `${field} must be one of ${issue.options.map((v) => String(v)).join(', ')}`
        : `${field} is none of the forms it may take`;
    case 'invalid_value':
      return `${field} must be one of ${(issue.values as unknown[]).map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `${path.length ? `${field} has ` : ''}no setting named ${(issue.keys as string[]).join(', ')}`;
    default:
      return `${field}: ${i.message}`;
  }
}
