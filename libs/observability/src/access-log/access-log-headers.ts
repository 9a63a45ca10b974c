import { isSensitiveKey, REDACTED } from '../logger/redact';
import { createQueryFilter, type QueryLogging } from './access-log-query';

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

// Headers whose value is a URL that may carry a query string (a page's `?token=`, an OAuth
// redirect's `?code=`) or a fragment (`#access_token=`): RFC 9110 §10.1.3, §10.2.2, §8.7.
const URL_HEADERS = new Set(['referer', 'location', 'content-location']);

/**
 * What an access log shows of a URL-valued header (`Referer`, `Location`, `Content-Location`)
 * under `access_log.query`, as createQueryFilter shows a request-target: `strip` drops the query
 * string and the fragment, `redact` hides the listed parameters in both, `keep` shows it whole.
 */
export function createUrlHeaderFilter(logging: QueryLogging): (value: string) => string {
  if (logging.query === 'keep') return (value) => value;
  const target = createQueryFilter(logging);
  return (value) => {
    const hash = value.indexOf('#');
    const base = hash === -1 ? value : value.slice(0, hash);
    const shown = base === '' ? '' : target(base);
    if (hash === -1 || logging.query === 'strip') return shown;
    // A fragment's parameters are redacted as a query's are (`#access_token=...&state=...`).
    return `${shown}#${target(`?${value.slice(hash + 1)}`).slice(1)}`;
  };
}

/**
 * Builds the header filter of one access log direction, after Go Piko's pkg/middleware/logger.go:
 * with an allow list only those headers are logged, with a block list all but those, with neither
 * all of them. Names compare case-insensitively and are logged in canonical form. Unlike Go,
 * credential headers (see isCredentialHeader) are logged as "[REDACTED]", never in clear, and
 * URL-valued headers (`Referer`, `Location`, `Content-Location`) have their query string stripped
 * or redacted per `query` (createUrlHeaderFilter).
 */
export function createHeaderFilter(lists: HeaderLists, query: QueryLogging): (headers: Iterable<[string, HeaderValue]>) => LoggedHeaders {
  const allow = lists.allowList.length > 0 ? new Set(lists.allowList.map((n) => n.toLowerCase())) : undefined;
  const block = new Set(lists.blockList.map((n) => n.toLowerCase()));
  const url = query.query !== 'keep' ? createUrlHeaderFilter(query) : undefined;
  return (headers) => {
    const out: LoggedHeaders = {};
    for (const [name, value] of headers) {
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      if (allow ? !allow.has(lower) : block.has(lower)) continue;
      const key = canonicalHeaderName(name);
      let values = isCredentialHeader(lower) ? [REDACTED] : Array.isArray(value) ? value.map(String) : [String(value)];
      if (url && URL_HEADERS.has(lower)) values = values.map(url);
      const previous = out[key];
      out[key] = previous && !isCredentialHeader(lower) ? [...previous, ...values] : values;
    }
    return out;
  };
}
