/**
 * The desktop shell's security decisions as plain values and functions (no electron import), so a unit test
 * checks them under Node: the app:// origin the renderer is served from, which files it may serve, which
 * outside links may open, and the window's web preferences.
 */
import { isAbsolute, join, normalize, relative } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'drive-triage';
/** The renderer's origin: its own files under a custom scheme, not file:// (which carries extra privileges). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX = `${APP_ORIGIN}/index.html`;

/** The only outside pages the app opens in the system browser: fixed addresses, never one taken from the data. */
export const EXTERNAL_LINKS: readonly string[] = [
  'https://www.backblaze.com/cloud-storage/resources/hard-drive-test-data',
];

export function externalAllowed(url: string): boolean {
  return EXTERNAL_LINKS.includes(url);
}

/** The renderer file an app:// request names, or null when it is not one of them (another host, ../ tricks). */
export function rendererFileFor(url: string, rendererDir: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  const file = normalize(join(rendererDir, path === '/' ? 'index.html' : path));
  const rel = relative(rendererDir, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? null : file;
}

/** Whether an IPC call comes from the app's own page (its top frame on the app:// origin). */
export function fromAppPage(frameUrl: string | undefined): boolean {
  return typeof frameUrl === 'string' && frameUrl.startsWith(`${APP_ORIGIN}/`);
}

/** The main window's web preferences: isolated, sandboxed, no Node, no DevTools in a packaged build. */
export function windowPreferences(preload: string, packaged: boolean): Record<string, unknown> {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    spellcheck: false,
    devTools: !packaged,
  };
}
