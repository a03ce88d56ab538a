/**
 * `npm run bench:train`: training and inference throughput of the reference
 * LSTM autoencoder (16 x 21, width 128) and the convolution autoencoder (the
 * PyTorch peer's layout) on each TensorFlow.js backend that loads, next to
 * PyTorch on the CPU (../shared/peers/torch_ae.py) in the same run.
 * Writes bench/results/train.json. FLOPs follow the peer's model: an LSTM layer
 * forward is 2*4*H*(I+H)*T, a convolution 2*T*k*Cin*Cout, a training step 3x forward.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mse } from '../src-main/engine/model/losses';
import { convAutoencoder, lstmAutoencoder } from '../src-main/engine/model/models';

const ROOT = resolve(__dirname, '..');
const PEER = resolve(ROOT, '../shared/peers/torch_ae.py');
const T = 16;
const F = 21;
const H = 128;

interface Row {
  model: 'lstm-ae' | 'conv-ae';
  backend: string;
  mode: 'train' | 'infer';
  batch: number;
  seqPerSec: number | null;
  gflops: number | null;
  note?: string;
}

const lstmFwd = (i: number, h: number): number => 2 * 4 * h * (i + h) * T;
const convFwd = (ci: number, co: number): number => 2 * T * 3 * ci * co;
const FWD = {
  'lstm-ae': lstmFwd(F, H) + lstmFwd(H, H) + lstmFwd(H, F),
  'conv-ae': convFwd(F, 32) + convFwd(32, 16) + convFwd(16, 32) + convFwd(32, F),
};

function log(m: string): void {
  process.stderr.write(`bench:train ${m}\n`);
}

function build(model: Row['model']): tf.LayersModel {
  return model === 'lstm-ae'
    ? lstmAutoencoder({ windowDays: T, features: F, units: H })
    : convAutoencoder({ windowDays: T, features: F, filters: 32, downsample: false });
}

/** Sequences per second over `batches` timed batches after `warmup` untimed ones. */
function measure(
  model: Row['model'],
  mode: Row['mode'],
  batch: number,
  batches: number,
  warmup: number,
): number {
  const m = build(model);
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, T, F], 0, 1, 'float32', 1);
  const once = (): void => {
    if (mode === 'train') {
      tf.tidy(() => {
        opt.minimize(() => mse(x, m.apply(x, { training: true }) as tf.Tensor), false);
      });
    } else {
      tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync());
    }
  };
  for (let i = 0; i < warmup; i++) once();
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) once();
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([x]);
  m.dispose();
  opt.dispose();
  return (batches * batch) / seconds;
}

function peer(model: 'lstm' | 'conv', mode: Row['mode'], batch: number, batches: number): Row {
  const name = model === 'lstm' ? 'lstm-ae' : 'conv-ae';
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [PEER, model, mode, String(batch), String(batches), '5', '2'],
      {
        encoding: 'utf8',
      },
    );
    const sps = Number(/seqs_per_s=([\d.]+)/.exec(out)?.[1]);
    const gf = Number(/gflops=([\d.]+)/.exec(out)?.[1]);
    return { model: name, backend: 'pytorch-cpu', mode, batch, seqPerSec: sps, gflops: gf };
  } catch (err) {
    return {
      model: name,
      backend: 'pytorch-cpu',
      mode,
      batch,
      seqPerSec: null,
      gflops: null,
      note: `not run: ${(err as Error).message.split('\n')[0]}`,
    };
  }
}

async function main(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  const rows: Row[] = [];
  // Batches per case, per backend: enough seconds to be steady, few enough for the slow cpu backend.
  const plan: { model: Row['model']; mode: Row['mode']; batch: number; n: Record<string, number> }[] = [
    { model: 'lstm-ae', mode: 'train', batch: 64, n: { wasm: 12, cpu: 3 } },
    { model: 'lstm-ae', mode: 'train', batch: 256, n: { wasm: 4, cpu: 1 } },
    { model: 'lstm-ae', mode: 'infer', batch: 1024, n: { wasm: 4, cpu: 1 } },
    { model: 'conv-ae', mode: 'train', batch: 64, n: { wasm: 50, cpu: 10 } },
    { model: 'conv-ae', mode: 'train', batch: 256, n: { wasm: 20, cpu: 4 } },
    { model: 'conv-ae', mode: 'infer', batch: 1024, n: { wasm: 20, cpu: 4 } },
  ];
  for (const backend of ['wasm', 'cpu']) {
    if (!(await tf.setBackend(backend))) {
      log(`${backend}: does not load here`);
      continue;
    }
    for (const p of plan) {
      const flop = FWD[p.model] * (p.mode === 'train' ? 3 : 1);
      try {
        log(`${p.model} ${p.mode} batch ${p.batch} on ${backend}`);
        const sps = measure(p.model, p.mode, p.batch, p.n[backend], 1);
        rows.push({
          model: p.model,
          backend,
          mode: p.mode,
          batch: p.batch,
          seqPerSec: Math.round(sps * 10) / 10,
          gflops: Math.round((sps * flop) / 1e7) / 100,
        });
      } catch (err) {
        rows.push({
          model: p.model,
          backend,
          mode: p.mode,
          batch: p.batch,
          seqPerSec: null,
          gflops: null,
          note: `fails: ${(err as Error).message.split('\n')[0]}`,
        });
      }
      log(JSON.stringify(rows.at(-1)));
    }
  }
  if (existsSync(PEER)) {
    for (const [model, mode, batch, n] of [
      ['lstm', 'train', 64, 60],
      ['lstm', 'train', 256, 20],
      ['lstm', 'infer', 1024, 8],
      ['conv', 'train', 64, 200],
      ['conv', 'train', 256, 100],
      ['conv', 'infer', 1024, 50],
    ] as const) {
      log(`pytorch ${model} ${mode} batch ${batch}`);
      rows.push(peer(model, mode, batch, n));
      log(JSON.stringify(rows.at(-1)));
    }
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/train.json'), `${JSON.stringify(rows, null, 2)}\n`);
  log('wrote bench/results/train.json');
}

main().catch((err: Error) => {
  process.stderr.write(`bench:train failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
