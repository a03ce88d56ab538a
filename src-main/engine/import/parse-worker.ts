import { parentPort } from 'node:worker_threads';
import { BATCHES_AHEAD, transferList, type FromParser, type ToParser } from './parse-protocol';
import { SourceReader } from './source-reader';

/**
 * The parse thread: reads a source itself (file, gzip or zip entry) and turns
 * its CSV text into checked, encoded rows, so the writer thread only writes.
 * It runs at most BATCHES_AHEAD batches ahead of the writer (credits).
 */
const port = parentPort;
if (port) {
  let reader: SourceReader | null = null;
  let credits = 0;
  let wake: (() => void) | null = null;
  const post = (m: FromParser, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  port.on('message', (m: ToParser) => {
    if (m.type === 'credit') {
      credits++;
      wake?.();
    } else if (m.type === 'abort') {
      reader?.abort();
      credits = Infinity;
      wake?.();
    } else {
      const r = new SourceReader(m.loc, m.headerLine, m.slots, m.nSlots);
      reader = r;
      credits = BATCHES_AHEAD;
      r.run(async (batch) => {
        while (credits <= 0) await new Promise<void>((w) => (wake = w));
        credits--;
        post({ type: 'batch', batch, storedBytes: r.storedBytes }, transferList(batch));
      }).then(
        () => post({ type: 'done', storedBytes: r.storedBytes }),
        (err: NodeJS.ErrnoException) => post({ type: 'error', message: err.message, code: err.code }),
      );
    }
  });
}
