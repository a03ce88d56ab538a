/**
 * The engine inside Electron's utility process: out of the window's process and
 * off the main process's thread. It speaks to main.ts over the process's
 * parentPort (Electron's API, reached without importing electron).
 */
import { ApiError, errorBody, EVENT_KEYS, type ApiErrorBody, type ApiKey } from '../engine/api-types';
import { Engine } from '../engine/engine';

interface ParentPort {
  on(event: 'message', cb: (e: { data: HostRequest }) => void): void;
  postMessage(msg: HostReply): void;
}
/** Main -> engine: an Api call, or the answer to a print the engine asked for. */
export type HostRequest =
  | { type: 'call'; id: number; key: ApiKey; arg: unknown }
  | { type: 'printed'; id: number; error: string | null };
/** Engine -> main: an answer, an event, or a report to print to PDF (Electron's printToPDF lives in main). */
export type HostReply =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: ApiErrorBody }
  | { type: 'event'; event: string; data: unknown }
  | { type: 'print'; id: number; htmlFile: string; pdfFile: string };

const port = (process as unknown as { parentPort: ParentPort }).parentPort;
const dbPath = process.argv[2];
const samplePath = process.argv[3] || undefined;
const prints = new Map<number, (error: string | null) => void>();
let nextPrint = 1;
/** A report printed by the main process (a hidden window's printToPDF), not by a separate Chromium. */
const printPdf = (htmlFile: string, pdfFile: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const id = nextPrint++;
    prints.set(id, (error) => (error ? reject(new Error(error)) : resolve()));
    port.postMessage({ type: 'print', id, htmlFile, pdfFile });
  });
const engine = new Engine({ dbPath, mode: 'electron', samplePath, printPdf });

for (const event of EVENT_KEYS) engine.on(event, (data) => port.postMessage({ type: 'event', event, data }));

port.on('message', ({ data: msg }) => {
  if (msg.type === 'printed') {
    prints.get(msg.id)?.(msg.error);
    prints.delete(msg.id);
    return;
  }
  engine.call(msg.key, msg.arg as never).then(
    (result) => port.postMessage({ type: 'result', id: msg.id, result }),
    (err: Error) =>
      port.postMessage({
        type: 'error',
        id: msg.id,
        error: errorBody(err instanceof ApiError ? err : new ApiError('internal', err.message)),
      }),
  );
});
