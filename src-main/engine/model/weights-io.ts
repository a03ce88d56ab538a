import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Saves a model in the TensorFlow.js layers format (model.json + weights.bin),
 * which tf.loadLayersModel reads and tensorflowjs_converter turns into Keras.
 * Written by hand because only tfjs-node registers a file:// handler.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      if (a.weightData === undefined || a.weightSpecs === undefined)
        throw new Error('the model has no weights');
      const data = Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData;
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(data));
      const json = {
        modelTopology: a.modelTopology,
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Sets a model's weights from one array per weight tensor, in getWeights() order. */
export function setModelWeights(model: tf.LayersModel, weights: Float32Array[]): void {
  const shapes = model.getWeights().map((w) => w.shape);
  const ts = weights.map((w, i) => tf.tensor(w, shapes[i]));
  model.setWeights(ts);
  tf.dispose(ts);
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bin = readFileSync(join(dir, 'weights.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData,
    }),
  );
}
