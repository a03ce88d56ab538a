import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ApiError,
  errorBody,
  EVENT_KEYS,
  type ApiErrorBody,
  type ApiKey,
  type ApiRequest,
  type ReportExport,
} from '../api-types';
import type { Engine } from '../engine';
import { PathRoots } from './path-roots';
import { EVENTS_PROTOCOL, pageUrl } from './protocol';
import { hostAllowed, originAllowed, parseTarget, tokenMatches, tokenOf } from './request-guard';
import { DEFAULT_MAX_UPLOAD_BYTES, UploadTooLarge, Uploads } from './uploads';

export interface WebServerOptions {
  /** 0 picks a free port. */
  port?: number;
  rendererDir: string;
  /** Where browser uploads land before they are imported. */
  uploadDir: string;
  /**
   * Folders the page may import from and export reports to, beside the uploads folder: the workspace's folder and
   * those given with `serve --allow-path`.
   */
  allowedRoots: string[];
  /** Largest accepted upload; 4 GiB by default. */
  maxUploadBytes?: number;
  /** Fixed token (tests); random per run otherwise. */
  token?: string;
}

export interface WebServer {
  /** The page's address, the token in its fragment. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** What an exported report file is served as. */
const DOWNLOAD_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.pdf': 'application/pdf',
  '.csv': 'text/csv; charset=utf-8',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const MAX_JSON_BYTES = 16 << 20;
const STATUS: Record<ApiErrorBody['code'], number> = {
  'bad-request': 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  internal: 500,
};
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

class BodyTooLarge extends ApiError {
  constructor() {
    super('bad-request', `the request body is larger than ${MAX_JSON_BYTES >> 20} MiB`);
  }
}

/**
 * Web mode: the same UI and the same Api table over HTTP + WebSocket, bound to 127.0.0.1 only.
 * Every request must name this server in Host (no DNS rebinding) and, where a browser says where it comes from,
 * come from this page (no other local page); every Api call, upload and events socket carries the per-run token,
 * which only the page holds (see protocol.ts). Paths a page names stay inside the allowed roots.
 */
export async function startWebServer(engine: Engine, opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const rendererDir = resolve(opts.rendererDir);
  const uploads = new Uploads(resolve(opts.uploadDir), opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES);
  uploads.removeLeftovers();
  const roots = new PathRoots([uploads.dir, ...opts.allowedRoots]);
  let port = 0;

  /** Host and Origin first (every route), then the token (everything but the page's own static files). */
  const refusal = (req: IncomingMessage, needsToken: boolean): string | null => {
    if (!hostAllowed(req.headers.host, port)) return `this server answers only to 127.0.0.1:${port}`;
    if (!originAllowed(req)) return 'requests from other pages are refused';
    if (needsToken && !tokenMatches(tokenOf(req), token))
      return 'this address needs the token printed when the server started';
    return null;
  };

  /** The engine, with the paths a page names held to the allowed roots. */
  const callForPage = async (key: string, arg: unknown): Promise<unknown> => {
    if (key === 'import/start') {
      const paths = (arg as Partial<ApiRequest<'import/start'>>)?.paths;
      if (Array.isArray(paths)) for (const p of paths) if (typeof p === 'string') roots.check(p, 'import');
    }
    if (key === 'report/export') {
      const outDir = (arg as Partial<ApiRequest<'report/export'>>)?.outDir;
      if (typeof outDir === 'string') roots.check(outDir, 'write reports');
    }
    const result = await engine.call(key as ApiKey, arg as never);
    if (key === 'import/start') forgetUploadsAfter((result as { jobId: string }).jobId, arg);
    if (key === 'report/export')
      for (const f of (result as ReportExport).files) exported.add(resolve(f.path));
    if (key === 'app/info') return { ...(result as object), allowedRoots: roots.roots };
    return result;
  };

  /**
   * The files this server's pages exported: the only files /download hands out (the report lands on the engine's
   * machine; the analyst's browser may be elsewhere). Any other path is refused, whatever the allowed roots.
   */
  const exported = new Set<string>();
  const download = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let path: unknown;
    try {
      path = (JSON.parse((await readBody(req)) || '{}') as { path?: unknown }).path;
    } catch {
      throw new ApiError('bad-request', 'download: the body is not valid JSON');
    }
    const file = typeof path === 'string' ? resolve(path) : '';
    if (!exported.has(file)) throw new ApiError('not-found', 'download: not a file this page exported');
    if (!existsSync(file)) throw new ApiError('not-found', `download: ${basename(file)} is no longer there`);
    res.writeHead(200, {
      'content-type': DOWNLOAD_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'content-disposition': `attachment; filename="${basename(file).replace(/[^\w.-]/g, '_')}"`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  };

  const uploadsByJob = new Map<string, string[]>();
  const forgetUploadsAfter = (jobId: string, arg: unknown): void => {
    const folders = uploads.foldersOf((arg as ApiRequest<'import/start'>).paths.map((p) => resolve(p)));
    if (folders.length) uploadsByJob.set(jobId, folders);
  };
  const offFinished = engine.on('job/finished', (job) => {
    for (const folder of uploadsByJob.get(job.id) ?? []) uploads.remove(folder);
    uploadsByJob.delete(job.id);
  });

  const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const sendError = (res: ServerResponse, err: unknown): void => {
    const e = err instanceof ApiError ? err : new ApiError('internal', (err as Error).message);
    const status = e instanceof BodyTooLarge || e instanceof UploadTooLarge ? 413 : STATUS[e.code];
    if (!res.headersSent) sendJson(res, status, { error: errorBody(e) });
    else res.destroy();
  };

  const readBody = async (req: IncomingMessage): Promise<string> => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_JSON_BYTES) throw new BodyTooLarge();
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_JSON_BYTES) throw new BodyTooLarge();
      parts.push(c);
    }
    return Buffer.concat(parts).toString('utf8');
  };

  const handleApi = async (key: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    let arg: unknown;
    try {
      arg = body ? JSON.parse(body) : {};
    } catch {
      throw new ApiError('bad-request', `bad request for ${key}: the body is not valid JSON`);
    }
    sendJson(res, 200, { result: await callForPage(key, arg) });
  };

  const serveStatic = (pathname: string, res: ServerResponse): void => {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = parseTarget(req.url);
    if (!target) throw new ApiError('bad-request', 'malformed request target');
    const isApi = req.method === 'POST' && target.pathname.startsWith('/api/');
    const isUpload = req.method === 'POST' && target.pathname === '/upload';
    const isDownload = req.method === 'POST' && target.pathname === '/download';
    const why = refusal(req, isApi || isUpload || isDownload);
    if (why) throw new ApiError('forbidden', `Drive Triage: ${why}`);
    if (isApi) return handleApi(target.pathname.slice(5), req, res);
    if (isDownload) return download(req, res);
    if (isUpload) {
      const path = await uploads.receive(req, target.searchParams.get('name'));
      return sendJson(res, 200, { result: { path } });
    }
    if (req.method === 'GET') return serveStatic(target.pathname, res);
    throw new ApiError('bad-request', `${req.method} is not allowed here`);
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      sendError(res, err);
      // An unread body (a refused upload) would keep the socket busy; nothing more is wanted from it.
      req.resume();
    });
  });
  // The parser's own refusals (a request line it cannot read) end that connection, never the process.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const target = parseTarget(req.url);
    if (!target || target.pathname !== '/events' || refusal(req, true)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });
  const unsubscribe = EVENT_KEYS.map((event) =>
    engine.on(event, (data) => {
      const msg = JSON.stringify({ event, data });
      for (const ws of sockets) ws.send(msg);
    }),
  );

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: pageUrl(port, token),
    port,
    token,
    close: async () => {
      unsubscribe.forEach((u) => u());
      offFinished();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      uploads.removeAll();
    },
  };
}
