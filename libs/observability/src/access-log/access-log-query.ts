import { REDACTED } from '../logger/redact';

/** `access_log.query`: what a record shows of a request-target's query string (see createQueryFilter). */
export type QueryMode = 'strip' | 'redact' | 'keep';

/** `access_log.query` and `access_log.redact_query_params`, as the access logs take them. */
export interface QueryLogging {
  readonly query: QueryMode;
  /** Parameter names (case-insensitive, compared percent-decoded) whose values `redact` hides. */
  readonly redactQueryParams: readonly string[];
}

/** The target without its query string: query strings often carry tokens (Go Piko logs `URL.Path`). */
export function stripQuery(target: string | undefined): string {
  if (!target) return '/';
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/**
 * Builds what an access log shows of a request-target: `strip` (the default, as Go Piko) drops
 * the query string; `redact` keeps it with the value of every listed parameter replaced by
 * "[REDACTED]" (the rest byte for byte as sent); `keep` shows it whole.
 */
export function createQueryFilter(logging: QueryLogging): (target: string | undefined) => string {
  if (logging.query === 'strip') return stripQuery;
  if (logging.query === 'keep') return (target) => target || '/';
  const redacted = new Set(logging.redactQueryParams.map((name) => name.toLowerCase()));
  return (target) => {
    if (!target) return '/';
    const q = target.indexOf('?');
    if (q === -1) return target;
    const params = target
      .slice(q + 1)
      .split('&')
      .map((param) => {
        const eq = param.indexOf('=');
        const name = eq === -1 ? param : param.slice(0, eq);
        return redacted.has(decodeName(name).toLowerCase()) ? `${name}=${REDACTED}` : param;
      });
    return `${target.slice(0, q)}?${params.join('&')}`;
  };
}

/** A parameter name percent-decoded (and `+` as space), or as it is when not valid encoding. */
function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
