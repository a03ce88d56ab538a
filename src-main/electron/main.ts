/**
 * The Electron shell, kept thin: one locked-down window, the engine in a utility
 * process, and the Api table forwarded between them. Nothing else in the app
 * imports electron.
 */
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  net,
  protocol,
  session,
  shell,
  utilityProcess,
  type UtilityProcess,
} from 'electron';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { API_KEYS, type ApiKey } from '../engine/api-types';
import type { HostReply, HostRequest } from './engine-host';
import {
  APP_INDEX,
  APP_SCHEME,
  externalAllowed,
  fromAppPage,
  rendererFileFor,
  windowPreferences,
} from './security';

const apiKeys = new Set<string>(API_KEYS);
const rendererDir = join(__dirname, '../renderer');

// The renderer is served from app://drive-triage/, its own files only; registered before the app is ready.
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
  },
]);
let engine: UtilityProcess | null = null;
let window: BrowserWindow | null = null;
let nextId = 1;
const pending = new Map<number, (reply: HostReply) => void>();

function samplePath(): string {
  const packaged = join(process.resourcesPath, 'sample');
  return existsSync(packaged) ? packaged : join(__dirname, '../../resources/sample');
}

/**
 * Prints a report's HTML to PDF in a hidden, sandboxed window: Electron's own
 * Chromium, so the desktop app needs no other browser. Waits for the report's
 * charts (body[data-ready]); A4 from the page's own CSS.
 */
async function printReport(htmlFile: string, pdfFile: string): Promise<void> {
  const win = new BrowserWindow({
    show: false,
    width: 794,
    height: 1123,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: true },
  });
  try {
    await win.loadFile(htmlFile);
    for (let waited = 0; ; waited += 100) {
      if (await win.webContents.executeJavaScript("document.body.dataset.ready === 'true'")) break;
      if (waited > 60_000) throw new Error('the report did not finish drawing its charts in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const pdf = await win.webContents.printToPDF({ printBackground: true, preferCSSPageSize: true });
    writeFileSync(pdfFile, pdf);
  } finally {
    win.destroy();
  }
}

function startEngine(): UtilityProcess {
  const dbPath = process.env.DRIVE_TRIAGE_DB ?? join(app.getPath('userData'), 'workspace.sqlite');
  const child = utilityProcess.fork(join(__dirname, 'engine-host.js'), [dbPath, samplePath()], {
    serviceName: 'Drive Triage engine',
  });
  child.on('message', (msg: HostReply) => {
    if (msg.type === 'event') window?.webContents.send('api:event', msg.event, msg.data);
    else if (msg.type === 'print')
      printReport(msg.htmlFile, msg.pdfFile).then(
        () => child.postMessage({ type: 'printed', id: msg.id, error: null } satisfies HostRequest),
        (err: Error) =>
          child.postMessage({ type: 'printed', id: msg.id, error: err.message } satisfies HostRequest),
      );
    else pending.get(msg.id)?.(msg);
  });
  return child;
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    title: 'Drive Triage',
    show: false,
    webPreferences: windowPreferences(join(__dirname, '../preload/preload.cjs'), app.isPackaged),
  });
  window.once('ready-to-show', () => window?.show());
  void window.loadURL(APP_INDEX);
}

app.on('web-contents-created', (_e, contents) => {
  // The renderer is the app's own files: no navigation of any frame, no redirects, no new windows; only the
  // fixed outside links open, in the system browser.
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-frame-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (externalAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

void app.whenReady().then(() => {
  // A packaged build has no default menu (and with it no DevTools or reload shortcuts).
  if (app.isPackaged) Menu.setApplicationMenu(null);
  protocol.handle(APP_SCHEME, (req) => {
    const file = rendererFileFor(req.url, rendererDir);
    return file && existsSync(file)
      ? net.fetch(pathToFileURL(file).toString())
      : new Response('not found', { status: 404 });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  engine = startEngine();
  ipcMain.handle('api:call', (e, key: string, arg: unknown) => {
    if (!fromAppPage(e.senderFrame?.url) || !apiKeys.has(key) || !engine) {
      return { error: { code: 'bad-request', message: `refused call to "${key}"` } };
    }
    const id = nextId++;
    const msg: HostRequest = { type: 'call', id, key: key as ApiKey, arg };
    return new Promise((resolve) => {
      pending.set(id, (reply) => {
        pending.delete(id);
        resolve(
          reply.type === 'result'
            ? { result: reply.result }
            : reply.type === 'error'
              ? { error: reply.error }
              : {},
        );
      });
      engine?.postMessage(msg);
    });
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  engine?.kill();
  if (process.platform !== 'darwin') app.quit();
});
