import { workerData, type MessagePort } from 'node:worker_threads';
import { openDb } from '../store/db';
import { loadCube, type SeriesCube } from './windows';
import { AHEAD, type CubeSliceSpec } from './cube-prefetch';

/**
 * Loads a scoring's cubes on a second core, in order, at most AHEAD ahead of the consumer: `signal[0]` counts the
 * cubes posted, `signal[1]` those taken (see cube-prefetch.ts). Reads through its own read-only connection, so it
 * sees the readings as last committed (a scoring writes scores, never readings).
 */
const { dbPath, features, slices, port, signal } = workerData as {
  dbPath: string;
  features: string[];
  slices: CubeSliceSpec[];
  port: MessagePort;
  signal: SharedArrayBuffer;
};
const counts = new Int32Array(signal);

function post(message: { cube?: SeriesCube; error?: string }, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(counts, 0, 1);
  Atomics.notify(counts, 0);
}

try {
  const db = openDb(dbPath, { readonly: true });
  for (let i = 0; i < slices.length; i++) {
    for (;;) {
      const taken = Atomics.load(counts, 1);
      if (i - taken < AHEAD) break;
      Atomics.wait(counts, 1, taken);
    }
    const cube = loadCube(db, features, slices[i]);
    post({ cube }, [cube.values.buffer, cube.present.buffer, cube.driveIds.buffer] as ArrayBuffer[]);
  }
  db.close();
} catch (err) {
  post({ error: (err as Error).message });
}
