/**
 * How the web-mode page and server find each other's token; no runtime dependencies, so the renderer imports it.
 * The token reaches the page in the URL fragment (`/#token=…`: never sent to the server, never in logs or a
 * Referer), the page keeps it in sessionStorage and sends it on every call: no ambient cookie another local page
 * could ride on.
 */

/** The header every Api call and upload carries the token in. */
export const TOKEN_HEADER = 'x-drive-triage-token';
/** The WebSocket subprotocol the server answers with; the token rides beside it as `token.<token>`. */
export const EVENTS_PROTOCOL = 'drive-triage';
export const TOKEN_PROTOCOL_PREFIX = 'token.';

/** The subprotocols the page offers when it opens the events socket (a browser cannot set its headers). */
export function eventsProtocols(token: string): string[] {
  return [EVENTS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
}

/** The address the server prints: the token in the fragment. */
export function pageUrl(port: number, token: string): string {
  return `http://127.0.0.1:${port}/#token=${token}`;
}

/** The token in a page address's fragment (`#token=…`), if any. */
export function tokenInFragment(hash: string): string | null {
  return /^#(?:.*&)?token=([A-Za-z0-9_-]+)/.exec(hash)?.[1] ?? null;
}
