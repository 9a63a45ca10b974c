import { isSensitiveKey, REDACTED } from '../logger/redact';

/** Go Piko's `access_log.request_headers` / `response_headers`: at most one list is set. */
export interface HeaderLists {
  readonly allowList: readonly string[];
  readonly blockList: readonly string[];
}

/** Headers as an access log record carries them: Go's http.Header form, `{"Content-Type": ["text/html"]}`. */
export type LoggedHeaders = Record<string, string[]>;

/** A header value as Node gives it (IncomingHttpHeaders, OutgoingHttpHeaders) or as parsed from raw bytes. */
export type HeaderValue = string | number | readonly string[] | undefined;

// Header names whose values are credentials whatever the deployment: beyond the logger's own
// list (Authorization, Cookie, ...), any name with one of these words as a part (X-Api-Key,
// X-Auth-Token, X-Amz-Security-Token, X-Csrf-Token).
const CREDENTIAL_PART = /(^|-)(auth|authorization|token|secret|password|passwd|api-?key|session|credentials?)(-|$)/i;

/** Whether an access log shows this header's value as "[REDACTED]" (always, even when allow-listed). */
export function isCredentialHeader(name: string): boolean {
  return isSensitiveKey(name) || CREDENTIAL_PART.test(name);
}

/** Go's textproto.CanonicalMIMEHeaderKey for the usual token names: 'x-forwarded-for' -> 'X-Forwarded-For'. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/**
 * Builds the header filter of one access log direction, after Go Piko's pkg/middleware/logger.go:
 * with an allow list only those headers are logged, with a block list all but those, with neither
 * all of them. Names compare case-insensitively and are logged in canonical form. Unlike Go,
 * credential headers (see isCredentialHeader) are logged as "[REDACTED]", never in clear.
 */
export function createHeaderFilter(lists: HeaderLists): (headers: Iterable<[string, HeaderValue]>) => LoggedHeaders {
  const allow = lists.allowList.length > 0 ? new Set(lists.allowList.map((n) => n.toLowerCase())) : undefined;
  const block = new Set(lists.blockList.map((n) => n.toLowerCase()));
  return (headers) => {
    const out: LoggedHeaders = {};
    for (const [name, value] of headers) {
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      if (allow ? !allow.has(lower) : block.has(lower)) continue;
      const key = canonicalHeaderName(name);
      const values = isCredentialHeader(lower) ? [REDACTED] : Array.isArray(value) ? value.map(String) : [String(value)];
      const previous = out[key];
      out[key] = previous && !isCredentialHeader(lower) ? [...previous, ...values] : values;
    }
    return out;
  };
}
