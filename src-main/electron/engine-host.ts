/**
 * The engine inside Electron's utility process: out of the window's process and
 * off the main process's thread. It speaks to main.ts over the process's
 * parentPort (Electron's API, reached without importing electron).
 */
import { ApiError, EVENT_KEYS, type ApiKey } from '../engine/api-types';
import { Engine } from '../engine/engine';

interface ParentPort {
  on(event: 'message', cb: (e: { data: HostRequest }) => void): void;
  postMessage(msg: HostReply): void;
}
export type HostRequest = { type: 'call'; id: number; key: ApiKey; arg: unknown };
export type HostReply =
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: { code: string; message: string } }
  | { type: 'event'; event: string; data: unknown };

const port = (process as unknown as { parentPort: ParentPort }).parentPort;
const dbPath = process.argv[2];
const samplePath = process.argv[3] || undefined;
const engine = new Engine({ dbPath, mode: 'electron', samplePath });

for (const event of EVENT_KEYS) engine.on(event, (data) => port.postMessage({ type: 'event', event, data }));

port.on('message', ({ data: msg }) => {
  if (msg.type !== 'call') return;
  engine.call(msg.key, msg.arg as never).then(
    (result) => port.postMessage({ type: 'result', id: msg.id, result }),
    (err: Error) =>
      port.postMessage({
        type: 'error',
        id: msg.id,
        error: { code: err instanceof ApiError ? err.code : 'internal', message: err.message },
      }),
  );
});
