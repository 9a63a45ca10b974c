import { isCredentialHeader } from '@piko/observability';

/** Header fields whose values are never stored, whatever `proxy.inspect.redact_headers` says (docs/security.md). */
export const ALWAYS_REDACTED_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'x-piko-authorization', 'cookie', 'set-cookie'];

/** What a redacted value is stored as. */
export const REDACTED = '[redacted]';

/**
 * The lower-case names to redact: ALWAYS_REDACTED_HEADERS plus `extra` (`proxy.inspect.redact_headers`,
 * any case).
 */
export function redactedHeaderSet(extra: readonly string[]): ReadonlySet<string> {
  return new Set([...ALWAYS_REDACTED_HEADERS, ...extra.map((name) => name.toLowerCase())]);
}

/**
 * Whether a field's value is redacted: named in `redacted` (lower-case names), or a credential by
 * the access log's rule (isCredentialHeader: X-Api-Key, X-Auth-Token, X-Csrf-Token…), so inspection
 * keeps no more than the access log shows.
 */
export function isRedactedHeader(name: string, redacted: ReadonlySet<string>): boolean {
  return redacted.has(name.toLowerCase()) || isCredentialHeader(name);
}

/**
 * Node's flat raw header list (`[name, value, name, value…]`, the order and spelling sent) as
 * pairs, with the value of every redacted field (isRedactedHeader) replaced by "[redacted]"
 * before anything keeps it. Pairs, not an object: repeated fields stay apart.
 */
export function redactHeaders(raw: readonly string[], redacted: ReadonlySet<string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    out.push([name, isRedactedHeader(name, redacted) ? REDACTED : raw[i + 1]]);
  }
  return out;
}

/** Whether any field of a redacted head was redacted (such a request cannot be replayed as it was). */
export function anyRedacted(headers: ReadonlyArray<[string, string]>, redacted: ReadonlySet<string>): boolean {
  return headers.some(([name]) => isRedactedHeader(name, redacted));
}
