/**
 * Builds the WebSocket URL for a Piko path: http becomes ws, https becomes wss, and any path
 * already in `base` is kept as a prefix (so Piko can sit behind a path-routing load balancer).
 */
export function pikoWebSocketUrl(base: string, path: string): string {
  const url = new URL(base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`unsupported url scheme: ${url.protocol}`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  return url.toString();
}

export function upstreamUrl(base: string, endpointId: string): string {
  return pikoWebSocketUrl(base, `/piko/v1/upstream/${encodeURIComponent(endpointId)}`);
}

export function tcpDialUrl(base: string, endpointId: string): string {
  return pikoWebSocketUrl(base, `/_piko/v1/tcp/${encodeURIComponent(endpointId)}`);
}

/**
 * `url` fit for a log line or an error message: user and password shown as `redacted` and
 * nothing, and every query value as `***` (a `connect.url` may carry a password or a token
 * there). Text that is not a URL is returned as it is.
 */
export function logSafeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = 'redacted';
      u.password = '';
    }
    for (const key of new Set(u.searchParams.keys())) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return url;
  }
}
