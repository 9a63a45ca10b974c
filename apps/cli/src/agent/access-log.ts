import type { Logger } from '@piko/client';

export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  bytes: number;
  upgrade?: boolean;
}

/**
 * Logs one proxied request the way Go Piko's access-log middleware grades it: server errors
 * at warn always, everything else at info when the access log is on, else debug. Only the
 * fields below are logged: never headers, so Authorization and cookies cannot leak.
 */
export function logAccess(logger: Logger, accessLog: boolean, entry: AccessLogEntry): void {
  const fields = { ...entry, durationMs: Math.round(entry.durationMs * 1000) / 1000 };
  if (entry.status >= 500) logger.warn('request', fields);
  else if (accessLog) logger.info('request', fields);
  else logger.debug('request', fields);
}

/** The path without its query string: query strings often carry tokens. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
