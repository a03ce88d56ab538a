import { parentPort } from 'node:worker_threads';
import { ChunkParser } from './chunk-parser';
import { transferList, type FromParser, type ToParser } from './parse-protocol';

/** The parse thread: CSV text to checked, encoded rows, so the writer thread only writes. */
const port = parentPort;
if (port) {
  let parser: ChunkParser | null = null;
  const post = (m: FromParser, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const emit = (batch: Parameters<typeof transferList>[0]): void =>
    post({ type: 'batch', batch }, transferList(batch));
  port.on('message', (m: ToParser) => {
    try {
      if (m.type === 'file') parser = new ChunkParser(m.headerLine, m.slots, m.nSlots);
      else if (m.type === 'chunk') {
        parser?.push(m.buf, emit);
        post({ type: 'ack' });
      } else {
        parser?.end(emit);
        parser = null;
        post({ type: 'done' });
      }
    } catch (err) {
      post({ type: 'error', message: (err as Error).message });
    }
  });
}
