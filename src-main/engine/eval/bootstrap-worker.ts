import { parentPort, workerData } from 'node:worker_threads';
import { bootstrap, type BootstrapInput, type BootstrapOptions } from './bootstrap';

/** One bootstrap off the engine's thread: the input arrives as workerData, the intervals go back as one message. */
const { input, options } = workerData as { input: BootstrapInput; options: BootstrapOptions };
parentPort?.postMessage(bootstrap(input, options));
