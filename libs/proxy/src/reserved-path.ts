/** Piko's own path prefix on the proxy port (Go Piko's `/_piko` route group). */
const RESERVED = '/_piko';

/**
 * The path of an origin-form request-target as a service would resolve it: the query dropped,
 * percent-escapes decoded once (`%5f` → `_`, `%2F` → `/`; an invalid escape is left as it is),
 * `\` read as `/` (as some servers do), empty segments collapsed (`//` → `/`) and dot segments
 * removed (RFC 3986 §5.2.4: `/x/../_piko` → `/_piko`). Always starts with `/`; a trailing slash
 * is kept. Decoding once follows RFC 3986 and Go's `URL.Path`: `%255f` stays `%5f`.
 */
export function normalisedPath(target: string): string {
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  // Nearly every path is already normal: skip the decoding and the segment walk (every request pays them).
  if (isNormalPath(raw)) return raw;
  const decoded = raw.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/\\/g, '/');
  const out: string[] = [];
  const segments = decoded.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const last = segments[segments.length - 1];
  const trailing = out.length > 0 && (last === '' || last === '.' || last === '..');
  return `/${out.join('/')}${trailing ? '/' : ''}`;
}

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;

/**
 * Whether normalisedPath would return `path` (a target's path, the query removed) unchanged: it
 * starts with `/` and has no percent-escape, no `\`, no empty segment (`//`) and no segment
 * starting with a dot (so no `.` or `..`; `/.well-known` merely takes the long way).
 */
function isNormalPath(path: string): boolean {
  if (path.charCodeAt(0) !== SLASH) return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === PERCENT || c === BACKSLASH) return false;
    if (c === SLASH && i + 1 < path.length) {
      const next = path.charCodeAt(i + 1);
      if (next === SLASH || next === DOT) return false;
    }
  }
  return true;
}

/**
 * Whether a request-target names Piko's own paths (`/_piko`, `/_piko/…`) once normalised (see
 * normalisedPath), so `/%5fpiko/…`, `//_piko`, `/./_piko` and `/x/../_piko` are Piko's too and never
 * reach a service, where a server resolving the path would see `/_piko/…`.
 */
export function isReservedPath(target: string): boolean {
  const path = normalisedPath(target);
  return path === RESERVED || path.startsWith(`${RESERVED}/`);
}

/**
 * The request-target Piko's own routes match: a reserved target (see isReservedPath) in its
 * normalised spelling, its query kept; any other target unchanged. Go Piko's router (gin) matches
 * the decoded `URL.Path` too, so `/%5fpiko/v1/tcp/:id` is its TCP route.
 */
export function canonicalReservedTarget(target: string): string {
  if (!isReservedPath(target)) return target;
  const q = target.indexOf('?');
  return normalisedPath(target) + (q === -1 ? '' : target.slice(q));
}
