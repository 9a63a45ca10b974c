import type { Logger } from '@piko/client';

export interface AccessLogEntry {
  method: string;
  path: string;
  /** From the first response line; 0 when the stream closed before one arrived. */
  status: number;
  /** From stream open to stream close. */
  durationMs: number;
  /** Bytes received from Piko (the request, head included). */
  bytesIn: number;
  /** Bytes sent to Piko (the response, head included). */
  bytesOut: number;
  upgrade?: boolean;
}

/**
 * Logs one proxied stream the way Go Piko's access-log middleware grades a request: server
 * errors at warn always, everything else at info when the access log is on, else debug. Only the
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
