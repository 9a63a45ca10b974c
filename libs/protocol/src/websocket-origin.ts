import type { IncomingMessage } from 'node:http';

/**
 * Whether a WebSocket handshake may proceed given its `Origin` header: yes when it has none (an
 * agent, `piko forward`, curl: only browsers send one), when the origin's host[:port] is the
 * request's Host (same origin), or when the origin is in `allowed` (exact `scheme://host[:port]`,
 * compared case-insensitively, or `*` for any). This is gorilla/websocket's default CheckOrigin
 * (`checkSameOrigin`, which Go Piko's upstream server and TCP proxy use) plus an allow-list.
 * An origin of `null` (sandboxed frames, file: pages) or one that does not parse is refused
 * unless listed.
 *
 * Why it matters: a browser lets any web page open a WebSocket to any address it can reach,
 * including a loopback or intranet Piko, and sends the page's origin; refusing foreign origins
 * keeps a page the user merely visits from registering endpoints or opening TCP tunnels.
 */
export function websocketOriginAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const lower = origin.toLowerCase();
  if (allowed.some((entry) => entry === '*' || entry.toLowerCase() === lower)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return host !== '' && host.toLowerCase() === (req.headers.host ?? '').toLowerCase();
}
