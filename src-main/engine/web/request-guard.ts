import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_HEADER, TOKEN_PROTOCOL_PREFIX } from './protocol';

/**
 * Parses a request target without ever throwing: `//%` or `/%E0%A4%A` are answered 400, not a crash.
 * Only origin-form targets (`/path?query`) are accepted; the host comes from the checked Host header, not the target.
 */
export function parseTarget(
  raw: string | undefined,
): { pathname: string; searchParams: URLSearchParams } | null {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//')) return null;
  try {
    const url = new URL(raw, 'http://127.0.0.1');
    decodeURIComponent(url.pathname);
    return { pathname: url.pathname, searchParams: url.searchParams };
  } catch {
    return null;
  }
}

/**
 * The Host a browser sends for this server's own page. Anything else is a DNS-rebinding page or a forged request.
 */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/**
 * Where a browser says where a request comes from (Origin, Sec-Fetch-Site), it must be this page itself.
 * Tools without those headers (curl, the CLI's tests) are judged by the token alone.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${(req.headers.host ?? '').toLowerCase()}`) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** The token from the header (HTTP) or from the offered subprotocols (WebSocket, which cannot set headers). */
export function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  const offered = req.headers['sec-websocket-protocol'];
  if (typeof offered !== 'string') return undefined;
  return offered
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))
    ?.slice(TOKEN_PROTOCOL_PREFIX.length);
}

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
