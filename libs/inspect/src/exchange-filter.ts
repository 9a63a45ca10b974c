import type { CapturedExchange } from './captured-exchange';

/** The most exchanges one list returns, and the default (`limit`). */
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;

/**
 * Which exchanges a list wants (`GET /api/v1/endpoints/:id/requests`), as sent to each proxy over
 * the bus: plain JSON, times as unix ms.
 */
export interface ExchangeFilter {
  /** Inclusive status range: `502` is 502..502, `5xx` is 500..599. */
  statusMin?: number;
  statusMax?: number;
  /** Upper-case method. */
  method?: string;
  /** The target's path starts with this. */
  pathPrefix?: string;
  /** started_at at or after / before this (unix ms). */
  since?: number;
  until?: number;
  /** At most this many, newest first (1..MAX_LIST_LIMIT). */
  limit: number;
}

/**
 * `status=502` or `status=5xx` as an inclusive range, or undefined when it is neither (three
 * digits 100..599, or one digit 1..5 and `xx`).
 */
export function parseStatusFilter(value: string): { min: number; max: number } | undefined {
  const exact = /^([1-5]\d\d)$/.exec(value);
  if (exact) return { min: Number(exact[1]), max: Number(exact[1]) };
  const klass = /^([1-5])xx$/i.exec(value);
  if (klass) return { min: Number(klass[1]) * 100, max: Number(klass[1]) * 100 + 99 };
  return undefined;
}

/** Whether `exchange` passes `filter` (the limit aside). */
export function matchesFilter(exchange: CapturedExchange, filter: ExchangeFilter): boolean {
  if (filter.statusMin !== undefined && exchange.status < filter.statusMin) return false;
  if (filter.statusMax !== undefined && exchange.status > filter.statusMax) return false;
  if (filter.method !== undefined && exchange.method !== filter.method) return false;
  if (filter.pathPrefix !== undefined && !exchange.path.startsWith(filter.pathPrefix)) return false;
  if (filter.since !== undefined && exchange.startedAt < filter.since) return false;
  if (filter.until !== undefined && exchange.startedAt >= filter.until) return false;
  return true;
}

/**
 * Checks a filter that came over the bus (any JSON) and returns it typed.
 * @throws Error naming the bad field
 */
export function checkFilter(value: unknown): ExchangeFilter {
  if (typeof value !== 'object' || value === null) throw new Error('filter must be an object');
  const f = value as Record<string, unknown>;
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = f[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer ${min}..${max}`);
    return v;
  };
  const str = (name: string): string | undefined => {
    const v = f[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.length > 2048) throw new Error(`${name} must be a string`);
    return v;
  };
  return {
    statusMin: int('statusMin', 0, 999),
    statusMax: int('statusMax', 0, 999),
    method: str('method'),
    pathPrefix: str('pathPrefix'),
    since: int('since', 0, Number.MAX_SAFE_INTEGER),
    until: int('until', 0, Number.MAX_SAFE_INTEGER),
    limit: int('limit', 1, MAX_LIST_LIMIT) ?? DEFAULT_LIST_LIMIT,
  };
}
