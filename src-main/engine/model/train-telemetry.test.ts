import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TrainProgress } from '../api-types';
import { openDb } from '../store/db';
import type { DatasetConfig } from './dataset';
import { RunRecord } from './run-record';
import type { ResolvedTrainConfig } from './run-store';
import { NetworkTelemetry } from './train-network';

test('the time left is not guessed from start-up: none before the first batches, then from their pace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dt-telemetry-'));
  const db = openDb(join(dir, 'w.sqlite'));
  try {
    const c = { model: 'lstm-ae', epochs: 2, batchSize: 64, folds: 0 } as ResolvedTrainConfig;
    const backend = { name: 'native', version: 'x', device: 'cpu', notices: [] };
    const run = RunRecord.start(db, join(dir, 'w.sqlite'), c, {} as DatasetConfig, backend);
    const seen: TrainProgress[] = [];
    // A slow start (data and model building) that an estimate from the run's start would count as training.
    await new Promise((r) => setTimeout(r, 1200));
    const t = new NetworkTelemetry(db, run, c, 100, { onProgress: (p) => seen.push(p) });
    const batch = (i: number) => ({
      epoch: 0,
      batch: i,
      loss: 1,
      gradNorm: 1,
      learningRate: 1e-3,
      spike: false,
    });
    t.batch(batch(0));
    for (let i = 1; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 10));
      t.batch(batch(i));
      t.epoch({ epoch: i, trainLoss: 1, valLoss: null, seconds: 1 });
    }
    const early = seen.filter((p) => p.batch < 20);
    assert.ok(
      early.length > 0 && early.every((p) => p.etaSec === null),
      'no estimate from the first batches',
    );
    const late = seen.at(-1)!;
    assert.ok(late.etaSec !== null);
    // 160 batches left at about 10 ms each: seconds, not the minutes a count from the start would give.
    assert.ok(late.etaSec < 10, `ETA ${late.etaSec}`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
