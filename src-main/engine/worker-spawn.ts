import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';

/**
 * Starts one of the engine's worker entry points. Compiled, `name`.js sits in
 * out/main (this code may be in out/main or a chunk under it); in a source
 * checkout (tests, development) the TypeScript file runs through tsx, registered
 * inside the worker because Node 20 ignores --import in a worker's execArgv.
 */
export function spawnWorker(
  name: string,
  sourceFile: string,
  workerData: unknown,
  resourceLimits?: ResourceLimits,
  transferList?: Transferable[],
): Worker {
  const built = [join(__dirname, `${name}.js`), join(__dirname, '..', `${name}.js`)].find((f) =>
    existsSync(f),
  );
  if (built) return new Worker(built, { workerData, resourceLimits, transferList });
  const code = `require('tsx/cjs/api').register(); require(${JSON.stringify(sourceFile)});`;
  return new Worker(code, { eval: true, workerData, resourceLimits, transferList });
}
