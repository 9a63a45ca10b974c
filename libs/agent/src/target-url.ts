/**
 * Turns a listener `addr` into the local service's base URL, accepting what Go Piko accepts:
 * a bare port (`3000` → http://localhost:3000), `host:port`, or a full http(s) URL.
 */
export function parseTargetUrl(addr: string): URL {
  const text = addr.trim();
  if (/^\d+$/.test(text)) return checkUrl(new URL(`http://localhost:${text}`), addr);
  if (/^(\[[^\]]+\]|[^:/]*):\d+$/.test(text)) {
    return checkUrl(new URL(`http://${text.startsWith(':') ? `localhost${text}` : text}`), addr);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`invalid addr ${JSON.stringify(addr)}: want a port, host:port or http(s) URL`);
  }
  return checkUrl(url, addr);
}

function checkUrl(url: URL, addr: string): URL {
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new TypeError(`invalid addr ${JSON.stringify(addr)}: want a port, host:port or http(s) URL`);
  }
  return url;
}

/** Port of a parsed target, with the scheme's default filled in. */
export function targetPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** Hostname usable by net.connect (URL keeps IPv6 brackets). */
export function targetHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Joins the target's path prefix and the request path, as Go's NewSingleHostReverseProxy does:
 * target `/api` + request `/users?x=1` → `/api/users?x=1`.
 */
export function joinTargetPath(target: URL, requestUrl: string): string {
  const prefix = target.pathname.replace(/\/+$/, '');
  const q = requestUrl.indexOf('?');
  const path = q === -1 ? requestUrl : requestUrl.slice(0, q);
  const query = q === -1 ? '' : requestUrl.slice(q + 1);
  const joined = prefix + (path.startsWith('/') ? path : `/${path}`);
  // Target query first, as Go's joinURLQuery.
  const targetQuery = target.search.slice(1);
  const fullQuery = targetQuery && query ? `${targetQuery}&${query}` : targetQuery || query;
  return fullQuery ? `${joined}?${fullQuery}` : joined;
}
