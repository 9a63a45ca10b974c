import type { StatusConfig } from '@piko/config';
import type { UnreachableNode } from '@piko/admin';
import type { AdminClient } from './admin-client';
import { exchangeText, REQUEST_COLUMNS, requestRow } from './exchange-text';
import type { ExchangeListResponse, ExchangeRecord } from '@piko/inspect';
import { renderTable } from './render-table';
import type { StatusView } from './status-views';

/** The most captures one list asks for (the API's `limit` maximum). */
export const MAX_REQUESTS = 1000;

/** The list route's query for `config`'s filters (`--status`, `--method`, `--path-prefix`, `--limit`). */
export function requestQuery(config: StatusConfig): Record<string, string | number | undefined> {
  return {
    status: config.status || undefined,
    method: config.method ? config.method.toUpperCase() : undefined,
    path_prefix: config.pathPrefix || undefined,
    limit: Math.min(config.limit, MAX_REQUESTS),
  };
}

/** Proxies that did not answer, in the shape `piko status` warns about. */
export function unreachableProxies(nodes: string[]): UnreachableNode[] {
  return nodes.map((node) => ({ node, reason: 'no answer in time' }));
}

/**
 * A warning for stderr when `endpoint`'s exchanges are not being captured (`GET
 * /api/v1/endpoints/:id/inspect` says `enabled: false`; inspection is off by default), so that
 * an empty list is not taken for "no traffic". Undefined when they are, or when the question
 * fails (the list's own errors are reported by its caller).
 */
export async function inspectionOffWarning(endpoint: string, client: AdminClient): Promise<string | undefined> {
  try {
    const state = await client.get<{ enabled: boolean }>(`/api/v1/endpoints/${encodeURIComponent(endpoint)}/inspect`);
    if (state.enabled !== false) return undefined;
  } catch {
    return undefined;
  }
  return (
    `inspection is off for ${endpoint}, so nothing is captured: turn it on with the proxies' ` +
    `--proxy.inspect.endpoints, or now with PUT /api/v1/endpoints/${endpoint}/inspect {"enabled": true} (docs/admin-api.md)`
  );
}

/**
 * `piko status requests ENDPOINT`: the endpoint's captured requests from every proxy
 * (`GET /api/v1/endpoints/:id/requests`), printed oldest first so the newest is at the bottom,
 * where `--follow` goes on printing; `-o json` prints the API's answer (newest first).
 */
export function requestsView(endpoint: string, config: StatusConfig): StatusView<ExchangeListResponse> {
  return {
    fetch: (client: AdminClient) => client.get<ExchangeListResponse>(`/api/v1/endpoints/${encodeURIComponent(endpoint)}/requests`, requestQuery(config)),
    table: (data) => renderTable(REQUEST_COLUMNS, [...data.requests].reverse().map(requestRow)),
    unreachable: (data) => unreachableProxies(data.unreachable_nodes),
    warnings: async (data, client) => (data.requests.length > 0 ? [] : [await inspectionOffWarning(endpoint, client)].filter((w): w is string => w !== undefined)),
  };
}

/** `piko status request ID`: one exchange (`GET /api/v1/requests/:id`), heads and kept bodies. */
export function requestView(id: string): StatusView<ExchangeRecord> {
  return {
    fetch: (client: AdminClient) => client.get<ExchangeRecord>(`/api/v1/requests/${encodeURIComponent(id)}`),
    table: exchangeText,
  };
}
