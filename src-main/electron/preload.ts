/**
 * The only bridge the window gets: call(key, arg) for allowlisted Api keys,
 * on(event, cb) for allowlisted events, and the path of a dropped file. Bundled
 * as one CommonJS file because a sandboxed preload can only require('electron').
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { API_KEYS, EVENT_KEYS } from '../engine/api-types';

const apiKeys = new Set<string>(API_KEYS);
const eventKeys = new Set<string>(EVENT_KEYS);

contextBridge.exposeInMainWorld('driveTriage', {
  call: (
    key: string,
    arg: unknown,
  ): Promise<{
    result?: unknown;
    error?: { code: string; message: string; fields?: Record<string, string[]> };
  }> =>
    apiKeys.has(key)
      ? ipcRenderer.invoke('api:call', key, arg)
      : Promise.resolve({ error: { code: 'bad-request', message: `unknown Api key "${key}"` } }),
  on: (event: string, cb: (data: unknown) => void): (() => void) => {
    if (!eventKeys.has(event)) return () => undefined;
    const listener = (_e: IpcRendererEvent, name: string, data: unknown): void => {
      if (name === event) cb(data);
    };
    ipcRenderer.on('api:event', listener);
    return () => ipcRenderer.off('api:event', listener);
  },
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
});
