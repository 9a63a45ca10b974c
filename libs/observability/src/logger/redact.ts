export const REDACTED = '[REDACTED]';

// Credentials a proxy sees in headers, and the config secrets a log line might carry. Compared
// lower-case, since HTTP header names are case-insensitive.
const SENSITIVE = new Set([
  'authorization',
  'proxy-authorization',
  'x-piko-authorization',
  'cookie',
  'set-cookie',
  'token',
]);

// Past this depth a value is dropped rather than walked, so a secret can never slip out below it.
const MAX_DEPTH = 16;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.has(key.toLowerCase());
}

/**
 * A copy of `value` with every sensitive field replaced by "[REDACTED]", at any depth of plain
 * objects and arrays; Node's `rawHeaders` list form is handled too. The input is not modified.
 */
export function redact<T>(value: T): T {
  return walk(value, 0, new WeakSet()) as T;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
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
