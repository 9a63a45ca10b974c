import type { ServerOptions } from 'node:http';

/**
 * How often Node's HTTP server checks its connections' head timeouts, in ms. Its default, 30 s,
 * let a 10 s limit run to 40 s; one check a second is one pass over the open connections.
 */
export const HEAD_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * `http.createServer` options that close a connection whose request head has not arrived within
 * `timeoutMs` of the connection (or its previous response) being ready: Node's `headersTimeout`,
 * checked every second. 0 means no limit. Node's default is 60 s (checked every 30 s), which let
 * idle connections to one port use up the process's descriptors for every port (exhaustion trial).
 */
export function headTimeoutOptions(timeoutMs: number): ServerOptions {
  // Node refuses a headersTimeout above requestTimeout (300 s by default) unless that is 0.
  if (timeoutMs <= 0) return { headersTimeout: 0, requestTimeout: 0 };
  return { headersTimeout: timeoutMs, requestTimeout: Math.max(timeoutMs, 300_000), connectionsCheckingInterval: HEAD_TIMEOUT_CHECK_INTERVAL_MS };
}
