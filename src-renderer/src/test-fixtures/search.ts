// A search as the engine answers `search/get`, for the renderer's tests: five trials over two dimensions.
import type { SearchDetail, SearchTrial } from '../../../src-main/engine/api-types';

export const trial = (
  n: number,
  objective: number | null,
  status: SearchTrial['status'],
  params: SearchTrial['params'],
): SearchTrial => ({
  trial: n,
  params,
  status,
  objective,
  runId: n + 10,
  source: n === 0 ? 'default' : 'gp',
  expectedImprovement: null,
  startedAt: '',
  finishedAt: null,
  seconds: 1,
  valLosses: [],
  error: null,
});

export const detail = (direction: 'minimize' | 'maximize'): SearchDetail => ({
  id: 1,
  name: 's',
  status: 'done',
  objective: direction === 'minimize' ? { kind: 'val-loss' } : { kind: 'detection-at-far', far: 0.01 },
  direction,
  trials: 4,
  maxMinutes: null,
  parallel: 2,
  seed: 1,
  createdAt: '',
  finishedAt: null,
  seconds: 4,
  finished: 4,
  best: null,
  error: null,
  space: {
    model: 'lstm-ae',
    dimensions: {
      learningRate: { type: 'log-float', min: 1e-4, max: 1e-2 },
      loss: { type: 'categorical', values: ['mse', 'focal', 'weighted-bce'] },
    },
  },
  settings: { space: { dimensions: {} }, objective: { kind: 'val-loss' }, trials: 4 },
  trialList: [
    trial(0, 0.9, 'done', { learningRate: 1e-3, loss: 'mse' }),
    trial(1, 0.7, 'done', { learningRate: 1e-4, loss: 'focal' }),
    trial(2, 1.2, 'pruned', { learningRate: 1e-2, loss: 'weighted-bce' }),
    trial(3, 0.8, 'done', { learningRate: 1e-3, loss: 'focal' }),
    trial(4, null, 'failed', { learningRate: 1e-3, loss: 'mse' }),
  ],
  importance: [
    { name: 'learningRate', share: 0.8 },
    { name: 'loss', share: 0.2 },
  ],
  notices: [],
});
