import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from './addon';

export class UnsupportedModelError extends Error {}

interface Config {
  [key: string]: unknown;
}

const activation = (c: Config, key = 'activation'): LayerSpec['activation'] => {
  const a = (c[key] ?? 'linear') as string;
  if (!['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid'].includes(a))
    throw new UnsupportedModelError(`the native engine has no ${a} activation`);
  return a as LayerSpec['activation'];
};

function single(v: unknown): number {
  return Array.isArray(v) ? Number(v[0]) : Number(v);
}

/**
 * The chain of layers of a tfjs model (the ones models.ts builds) in the native
 * engine's terms, with the weights in model.getWeights() order, flattened.
 * Throws UnsupportedModelError on a layer or option the engine does not have.
 */
export function describeModel(model: tf.LayersModel): {
  layers: LayerSpec[];
  windowDays: number;
  features: number;
} {
  const [windowDays, features] = (model.inputs[0].shape as number[]).slice(1);
  const layers: LayerSpec[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const c = layer.getConfig() as Config;
    if (c.useBias === false)
      throw new UnsupportedModelError(`${layer.name}: layers without bias are not supported`);
    switch (cls) {
      case 'InputLayer':
        break;
      case 'LSTM': {
        if (activation(c) !== 'tanh')
          throw new UnsupportedModelError(`${layer.name}: the LSTM cell must use tanh`);
        if (Number(c.recurrentDropout ?? 0) > 0 || c.goBackwards || c.stateful || c.returnState)
          throw new UnsupportedModelError(
            `${layer.name}: recurrent dropout, reverse, stateful or state outputs`,
          );
        const gate = activation(c, 'recurrentActivation');
        if (gate !== 'sigmoid' && gate !== 'hardSigmoid')
          throw new UnsupportedModelError(`${layer.name}: gate activation ${gate}`);
        layers.push({
          kind: 'lstm',
          units: Number(c.units),
          returnSequences: Boolean(c.returnSequences),
          gateActivation: gate,
          dropout: Number(c.dropout ?? 0),
        });
        break;
      }
      case 'RepeatVector':
        layers.push({ kind: 'repeat', n: Number(c.n) });
        break;
      case 'Conv1D':
        if (c.padding !== 'same' || single(c.dilationRate ?? 1) !== 1)
          throw new UnsupportedModelError(`${layer.name}: only 'same' padding without dilation`);
        layers.push({
          kind: 'conv1d',
          units: Number(c.filters),
          kernelSize: single(c.kernelSize),
          stride: single(c.strides ?? 1),
          activation: activation(c),
        });
        break;
      case 'Dropout':
        layers.push({ kind: 'dropout', dropout: Number(c.rate) });
        break;
      case 'Reshape':
        // models.ts reshapes only around its upsampling ([L, C] <-> [L, 1, C]): no change to the data order.
        break;
      case 'Concatenate': {
        // models.ts upsamples by concatenating [L, 1, C] with itself along axis 2.
        const inbound = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] })
          .inboundNodes[0].inboundLayers;
        const axis = Number(c.axis);
        if (!(axis === 2 || axis === -2) || new Set(inbound).size !== 1)
          throw new UnsupportedModelError(`${layer.name}: only a tensor concatenated with itself along time`);
        layers.push({ kind: 'upsample', n: inbound.length });
        break;
      }
      case 'UpSampling2D': {
        const size = c.size as number[];
        if (size[1] !== 1) throw new UnsupportedModelError(`${layer.name}: upsampling only along time`);
        layers.push({ kind: 'upsample', n: size[0] });
        break;
      }
      case 'Dense':
        layers.push({ kind: 'dense', units: Number(c.units), activation: activation(c) });
        break;
      case 'TimeDistributed': {
        const inner = (layer as unknown as { layer: tf.layers.Layer }).layer;
        if (inner.getClassName() !== 'Dense')
          throw new UnsupportedModelError(`${layer.name}: only a Dense layer inside TimeDistributed`);
        const ic = inner.getConfig() as Config;
        layers.push({ kind: 'dense', units: Number(ic.units), activation: activation(ic) });
        break;
      }
      default:
        throw new UnsupportedModelError(`the native engine has no ${cls} layer`);
    }
  }
  return { layers, windowDays, features };
}

/** The model's weights as one flat array, in getWeights() order (the layout the native engine reads). */
export function flatWeights(model: tf.LayersModel): Float32Array {
  return joinWeights(model.getWeights().map((w) => w.dataSync() as Float32Array));
}

/** Splits a flat array back into one array per weight tensor of the model. */
export function splitWeights(model: tf.LayersModel, flat: Float32Array): Float32Array[] {
  let at = 0;
  return model.getWeights().map((w) => {
    const part = flat.slice(at, at + w.size);
    at += w.size;
    return part;
  });
}

export function joinWeights(parts: Float32Array[]): Float32Array {
  const flat = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    flat.set(p, at);
    at += p.length;
  }
  return flat;
}
