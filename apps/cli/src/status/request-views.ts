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
 * `piko status requests ENDPOINT`: the endpoint's captured requests from every proxy
 * (`GET /api/v1/endpoints/:id/requests`), printed oldest first so the newest is at the bottom,
 * where `--follow` goes on printing; `-o json` prints the API's answer (newest first).
 */
export function requestsView(endpoint: string, config: StatusConfig): StatusView<ExchangeListResponse> {
  return {
    fetch: (client: AdminClient) => client.get<ExchangeListResponse>(`/api/v1/endpoints/${encodeURIComponent(endpoint)}/requests`, requestQuery(config)),
    table: (data) => renderTable(REQUEST_COLUMNS, [...data.requests].reverse().map(requestRow)),
    unreachable: (data) => unreachableProxies(data.unreachable_nodes),
  };
}

/** `piko status request ID`: one exchange (`GET /api/v1/requests/:id`), heads and kept bodies. */
export function requestView(id: string): StatusView<ExchangeRecord> {
  return {
    fetch: (client: AdminClient) => client.get<ExchangeRecord>(`/api/v1/requests/${encodeURIComponent(id)}`),
    table: exchangeText,
  };
}
