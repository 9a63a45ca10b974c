export const REDACTED = '[REDACTED]';

// Credentials a proxy sees in headers, and the config secrets a log line might carry. Compared
// lower-case with '-' and '_' removed, since HTTP header names are case-insensitive and a config
// key may appear as hmac_secret_key, hmac-secret-key or hmacSecretKey.
const SENSITIVE = new Set([
  'authorization',
  'proxyauthorization',
  'xpikoauthorization',
  'cookie',
  'setcookie',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'hmacsecretkey',
  'secret',
  'password',
]);

// A JWT (three base64url parts, the first a JSON object: "eyJ") or a bearer credential inside any
// string field, such as a request path with ?token=… or an error message quoting a header.
const CREDENTIAL_IN_TEXT = /eyJ[\w-]*\.[\w-]+\.[\w-]*|\b(bearer)\s+[\w~+/.=-]+/gi;

// Past this depth a value is dropped rather than walked, so a secret can never slip out below it.
const MAX_DEPTH = 16;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/** `text` with every JWT or `Bearer <credential>` in it replaced by "[REDACTED]". */
export function redactText(text: string): string {
  if (!text.includes('eyJ') && !/bearer/i.test(text)) return text;
  return text.replace(CREDENTIAL_IN_TEXT, (_match, bearer: string | undefined) => (bearer ? `${bearer} ${REDACTED}` : REDACTED));
}

/**
 * A copy of `value` with every sensitive field replaced by "[REDACTED]", at any depth of plain
 * objects and arrays, and every JWT or bearer credential inside a string value too; Node's
 * `rawHeaders` list form is handled as well. The input is not modified.
 */
export function redact<T>(value: T): T {
  return walk(value, 0, new WeakSet()) as T;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (isSensitiveKey(key)) out[key] = REDACTED;
      else if (key.toLowerCase() === 'rawheaders' && Array.isArray(inner)) out[key] = redactRawHeaders(inner);
      else out[key] = walk(inner, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

// rawHeaders is [name, value, name, value, ...].
function redactRawHeaders(raw: unknown[]): unknown[] {
  return raw.map((item, i) => (i % 2 === 1 && typeof raw[i - 1] === 'string' && isSensitiveKey(raw[i - 1] as string) ? REDACTED : item));
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
