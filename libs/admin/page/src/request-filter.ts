import type { ExchangeSummary } from './exchange-types';

/** The list's filters, as the API takes them (`GET /api/v1/endpoints/:id/requests`). */
export interface RequestFilter {
  /** '' (any), an exact status ('502') or a class ('5xx'). */
  status: string;
  /** '' (any) or a method, compared case-sensitively as RFC 9110 §9.1 says methods are. */
  method: string;
  /** '' (any) or the start of the request-target's path ('/api/'; the query is not part of it). */
  pathPrefix: string;
}

export const NO_FILTER: RequestFilter = { status: '', method: '', pathPrefix: '' };

/** The status filter's accepted spellings: `502`, `5xx` (the API's `status` parameter). */
export const STATUS_FILTER = /^(?:[1-5]\d\d|[1-5]xx)$/;

/**
 * Whether a summary passes the filter: the same test the API applies, used for captures that
 * arrive live (`event: request`) after the list was read.
 */
export function matchesFilter(s: ExchangeSummary, f: RequestFilter): boolean {
  if (f.status) {
    if (/^[1-5]xx$/.test(f.status)) {
      if (Math.floor(s.status / 100) !== Number(f.status[0])) return false;
    } else if (s.status !== Number(f.status)) return false;
  }
  if (f.method && s.method !== f.method) return false;
  if (f.pathPrefix && !pathOf(s.target).startsWith(f.pathPrefix)) return false;
  return true;
}

/** The filter as query parameters of the list route (empty ones left out). */
export function filterQuery(f: RequestFilter, limit: number): string {
  const q = new URLSearchParams();
  if (f.status) q.set('status', f.status);
  if (f.method) q.set('method', f.method);
  if (f.pathPrefix) q.set('path_prefix', f.pathPrefix);
  q.set('limit', String(limit));
  return q.toString();
}

/**
 * Newest first, as the API lists them: by started_at, then by ID (a capture's sequence number
 * breaks ties between captures of one proxy in the same millisecond).
 */
export function newestFirst(a: ExchangeSummary, b: ExchangeSummary): number {
  if (a.started_at !== b.started_at) return a.started_at < b.started_at ? 1 : -1;
  return b.id.localeCompare(a.id, 'en', { numeric: true });
}

/** A request-target's path: up to its query (RFC 9112 §3.2 origin-form). */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}
