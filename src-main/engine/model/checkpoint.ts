import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint } from './train';
import { float32Of } from '../store/blobs';

/**
 * A run's checkpoint on disk: checkpoint.json (epoch, learning-rate scale, best
 * loss, Adam's step, tensor lengths) and checkpoint.bin (current weights, best
 * weights, then Adam's first and second moments, float32). Written to temporary
 * names and renamed, so a crash mid-write leaves the last whole checkpoint.
 */
export function saveCheckpoint(dir: string, c: Checkpoint): void {
  const all = [...c.weights, ...c.bestWeights, ...(c.optimizer ? [...c.optimizer.m, ...c.optimizer.v] : [])];
  const bytes = Buffer.alloc(all.reduce((n, w) => n + w.byteLength, 0));
  let at = 0;
  for (const w of all) {
    bytes.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), at);
    at += w.byteLength;
  }
  const meta = {
    epoch: c.epoch,
    learningRateScale: c.learningRateScale,
    bestLoss: Number.isFinite(c.bestLoss) ? c.bestLoss : null,
    bestEpoch: c.bestEpoch,
    adamStep: c.optimizer?.step ?? null,
    lengths: c.weights.map((w) => w.length),
  };
  writeFileSync(join(dir, 'checkpoint.bin.tmp'), bytes);
  writeFileSync(join(dir, 'checkpoint.json.tmp'), JSON.stringify(meta));
  renameSync(join(dir, 'checkpoint.bin.tmp'), join(dir, 'checkpoint.bin'));
  renameSync(join(dir, 'checkpoint.json.tmp'), join(dir, 'checkpoint.json'));
}

export function loadCheckpoint(dir: string): Checkpoint | null {
  if (!existsSync(join(dir, 'checkpoint.json')) || !existsSync(join(dir, 'checkpoint.bin'))) return null;
  const meta = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as {
    epoch: number;
    learningRateScale: number;
    bestLoss: number | null;
    bestEpoch: number;
    adamStep?: number | null;
    lengths: number[];
  };
  const bin = readFileSync(join(dir, 'checkpoint.bin'));
  const floats = float32Of(bin);
  let at = 0;
  const take = (): Float32Array[] =>
    meta.lengths.map((n) => {
      const w = floats.slice(at, at + n);
      at += n;
      return w;
    });
  const weights = take();
  const bestWeights = take();
  const optimizer =
    typeof meta.adamStep === 'number' ? { step: meta.adamStep, m: take(), v: take() } : undefined;
  return {
    optimizer,
    epoch: meta.epoch,
    weights,
    bestWeights,
    learningRateScale: meta.learningRateScale,
    bestLoss: meta.bestLoss ?? Infinity,
    bestEpoch: meta.bestEpoch,
  };
}
