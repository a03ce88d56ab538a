import {
  ApiError,
  type ApiClient,
  type ApiErrorBody,
  type ApiKey,
  type ApiRequest,
  type ApiResponse,
  type EventKey,
  type Events,
} from '../../../src-main/engine/api-types';
import { eventsProtocols, TOKEN_HEADER, tokenInFragment } from '../../../src-main/engine/web/protocol';
import { fileName } from './format';

/** What the Electron preload exposes (see src-main/electron/preload.ts). */
interface ElectronBridge {
  call(key: string, arg: unknown): Promise<{ result?: unknown; error?: ApiErrorBody }>;
  on(event: string, cb: (data: unknown) => void): () => void;
  pathForFile(file: File): string;
}

export interface Client extends ApiClient {
  /** Hands files chosen in the UI to the engine and returns the paths it can import. */
  stage(files: File[]): Promise<string[]>;
  /**
   * Web mode: saves a file the engine exported (a report) through the browser, the engine's machine being maybe
   * not the analyst's. Absent in Electron, where the files are on this machine already.
   */
  download?(path: string): Promise<void>;
  readonly mode: 'electron' | 'web';
}

function electronClient(bridge: ElectronBridge): Client {
  return {
    mode: 'electron',
    async call<K extends ApiKey>(key: K, arg: ApiRequest<K>): Promise<ApiResponse<K>> {
      const r = await bridge.call(key, arg);
      if (r.error) throw new ApiError(r.error.code, r.error.message, r.error.fields);
      return r.result as ApiResponse<K>;
    },
    on: <E extends EventKey>(event: E, cb: (d: Events[E]) => void) =>
      bridge.on(event, cb as (d: unknown) => void),
    // In the desktop app the engine reads the files where they are.
    stage: (files) => Promise.resolve(files.map((f) => bridge.pathForFile(f))),
  };
}

const TOKEN_KEY = 'drive-triage-token';

/**
 * The web-mode token: taken from the address's fragment once (and dropped from the address bar), then kept in this
 * tab's sessionStorage, which no page of another origin can read.
 */
function webToken(): string {
  const fromFragment = tokenInFragment(location.hash);
  if (fromFragment) {
    sessionStorage.setItem(TOKEN_KEY, fromFragment);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function webClient(): Client {
  const token = webToken();
  const listeners = new Map<string, Set<(d: unknown) => void>>();
  let socket: WebSocket | null = null;
  const connect = (): void => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${proto}//${location.host}/events`, eventsProtocols(token));
    socket.onmessage = (m: MessageEvent<string>) => {
      const { event, data } = JSON.parse(m.data) as { event: string; data: unknown };
      listeners.get(event)?.forEach((cb) => cb(data));
    };
    socket.onclose = () => setTimeout(connect, 1000);
  };
  connect();
  const post = async (path: string, body: BodyInit): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(path, {
        method: 'POST',
        body,
        credentials: 'omit',
        headers: { [TOKEN_HEADER]: token },
      });
    } catch {
      throw new ApiError(
        'internal',
        'the Drive Triage engine is not reachable; is `drive-triage serve` still running?',
      );
    }
    const json = (await res.json().catch(() => ({}))) as { result?: unknown; error?: ApiErrorBody };
    if (json.error) throw new ApiError(json.error.code, json.error.message, json.error.fields);
    if (!res.ok) throw new ApiError('internal', `the engine answered ${res.status}`);
    return json.result;
  };
  return {
    mode: 'web',
    call: async <K extends ApiKey>(key: K, arg: ApiRequest<K>) =>
      (await post(`/api/${key}`, JSON.stringify(arg ?? {}))) as ApiResponse<K>,
    on<E extends EventKey>(event: E, cb: (d: Events[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(cb as (d: unknown) => void);
      return () => set.delete(cb as (d: unknown) => void);
    },
    async download(path) {
      let res: Response;
      try {
        res = await fetch('/download', {
          method: 'POST',
          body: JSON.stringify({ path }),
          credentials: 'omit',
          headers: { [TOKEN_HEADER]: token },
        });
      } catch {
        throw new ApiError('internal', 'the Drive Triage engine is not reachable');
      }
      if (!res.ok) {
        const json = (await res.json().catch(() => ({}))) as { error?: ApiErrorBody };
        throw new ApiError(json.error?.code ?? 'internal', json.error?.message ?? `download: ${res.status}`);
      }
      // The bytes as a blob, saved under the file's own name.
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName(path);
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
    // In web mode the browser uploads the bytes to the engine's workspace first.
    async stage(files) {
      const paths: string[] = [];
      for (const f of files) {
        const r = (await post(`/upload?name=${encodeURIComponent(f.name)}`, f)) as { path: string };
        paths.push(r.path);
      }
      return paths;
    },
  };
}

const bridge = (globalThis as { driveTriage?: ElectronBridge }).driveTriage;
export const client: Client = bridge ? electronClient(bridge) : webClient();

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
