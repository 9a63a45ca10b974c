import type { NodeViewState } from './node-view';

/** One endpoint in `GET /api/v1/endpoints`. */
export interface EndpointSummary {
  id: string;
  /** Upstream sessions serving it, over all gateways. */
  upstreams: number;
  /** Gateways holding at least one of its upstreams. */
  gatewayCount: number;
  /** Summed over the proxies that reported, per second over the last sampling interval. */
  requestsPerSecond: number;
  errorsPerSecond: number;
}

/** Sort keys of `GET /api/v1/endpoints?sort=`; ties are broken by ID ascending. */
export type EndpointSortKey = 'id' | 'upstreams' | 'gateways' | 'requests' | 'errors';

/**
 * `GET /api/v1/endpoints?prefix=&limit=&cursor=&sort=&order=`: one page. `nextCursor` is opaque;
 * pass it as `cursor` with the same `prefix`, `sort` and `order` for the next page; null on the
 * last page. `total` counts every endpoint matching `prefix`.
 */
export interface EndpointListResponse {
  endpoints: EndpointSummary[];
  nextCursor: string | null;
  total: number;
}

/** A gateway that holds upstreams of an endpoint. */
export interface EndpointGateway {
  node: string;
  state: NodeViewState;
  upstreams: number;
}

/** `GET /api/v1/endpoints/:id`. 404 when no gateway holds an upstream for it. */
export interface EndpointDetailResponse extends EndpointSummary {
  /** The gateways serving it, sorted by node ID. */
  gateways: EndpointGateway[];
}
