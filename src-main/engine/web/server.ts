import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, EVENT_KEYS, type ApiErrorBody, type ApiKey } from '../api-types';
import type { Engine } from '../engine';

export interface WebServerOptions {
  /** 0 picks a free port. */
  port?: number;
  rendererDir: string;
  /** Where browser uploads land before they are imported. */
  uploadDir: string;
  /** Fixed token (tests); random per run otherwise. */
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const COOKIE = 'dt_token';
const MAX_JSON_BYTES = 16 << 20;

/**
 * Web mode: the same UI and the same Api table over HTTP + WebSocket, bound to
 * 127.0.0.1 only. Every request needs the per-run token (in the URL once, then a
 * same-site cookie); anything else is refused.
 */
export async function startWebServer(engine: Engine, opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const rendererDir = resolve(opts.rendererDir);
  const csp = [
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

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const given =
      url.searchParams.get('token') ??
      (req.headers['x-drive-triage-token'] as string | undefined) ??
      /(?:^|;\s*)dt_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  };
  const sendError = (res: ServerResponse, status: number, error: ApiErrorBody): void =>
    sendJson(res, status, { error });

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_JSON_BYTES) throw new ApiError('bad-request', 'request body too large');
      parts.push(c);
    }
    return Buffer.concat(parts).toString('utf8');
  };

  const handleApi = async (key: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let arg: unknown;
    try {
      const body = await readBody(req);
      arg = body ? JSON.parse(body) : {};
    } catch {
      return sendError(res, 400, {
        code: 'bad-request',
        message: `bad request for ${key}: the body is not valid JSON`,
      });
    }
    try {
      const result = await engine.call(key as ApiKey, arg as never);
      sendJson(res, 200, { result });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('internal', (err as Error).message);
      const status = { 'bad-request': 400, 'not-found': 404, conflict: 409, internal: 500 }[e.code];
      sendError(res, status, { code: e.code, message: e.message });
    }
  };

  const handleUpload = async (url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const name = basename(url.searchParams.get('name') ?? 'upload.csv').replace(/[^\w.-]/g, '_');
    const dir = join(opts.uploadDir, randomUUID());
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name);
    await pipeline(req, createWriteStream(path));
    sendJson(res, 200, { result: { path } });
  };

  const serveStatic = (url: URL, res: ServerResponse): void => {
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!authorised(req, url)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Drive Triage: this address needs the token printed when the server started.');
      return;
    }
    if (url.searchParams.has('token') && req.method === 'GET') {
      // Trade the token in the URL for a cookie, and drop it from the address bar.
      res.writeHead(302, {
        'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname,
      });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
      void handleApi(url.pathname.slice(5), req, res);
    } else if (req.method === 'POST' && url.pathname === '/upload') {
      handleUpload(url, req, res).catch((err: Error) =>
        sendError(res, 500, { code: 'internal', message: `upload failed: ${err.message}` }),
      );
    } else if (req.method === 'GET') {
      serveStatic(url, res);
    } else {
      sendError(res, 405, { code: 'bad-request', message: `${req.method} is not allowed here` });
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/events' || !authorised(req, url)) {
      socket.destroy();
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
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe.forEach((u) => u());
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
