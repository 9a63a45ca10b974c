/**
 * A node's role in the cluster. `piko server` is one node (ID `local` unless `cluster.node_id`
 * is set) of role `gateway` that also proxies and serves the admin API.
 */
export type NodeViewRole = 'proxy' | 'gateway' | 'admin';

/**
 * `active`: serving. `draining`: shutting down or drained by `POST /api/v1/nodes/:id/drain`
 * (proxies route to it only when it is an endpoint's last owner). `left`: seen by this admin
 * node, gone from the registry since (kept for `admin.api.left_node_retention`).
 */
export type NodeViewState = 'active' | 'draining' | 'left';

/** Advertised `host:port` addresses; only those the node's role has are present. */
export interface NodeAddresses {
  proxy?: string;
  upstream?: string;
  relay?: string;
  admin?: string;
}

/** Request counters of a proxy (or of `piko server`), per second over the last sampling interval. */
export interface RequestRates {
  /** Requests per second that reached the proxy with a known endpoint. */
  requestsPerSecond: number;
  /** Of those, per second: answered with a 5xx (by the proxy or the upstream) or with no response. */
  errorsPerSecond: number;
}

/** One node, as `GET /api/v1/nodes` and `GET /api/v1/nodes/:id` return it. */
export interface NodeView {
  id: string;
  role: NodeViewRole;
  state: NodeViewState;
  addresses: NodeAddresses;
  /** The node's Piko version (`piko --version`), or null for a node that does not report one. */
  version: string | null;
  /** ISO 8601 time the node started. */
  startedAt: string;
  /**
   * ISO 8601 time of the node's last registry heartbeat (lease refresh), derived from the lease's
   * remaining TTL; null for a node that left or when the registry cannot tell (in-memory registry).
   */
  lastHeartbeatAt: string | null;
  /** Gateways: endpoints with at least one upstream here, and upstream sessions. 0 for other roles. */
  counts: { endpoints: number; upstreams: number };
  /** Proxies (and `piko server`'s node): recent request rates; null for other nodes or before the first two samples. */
  rates: RequestRates | null;
}

/** `GET /api/v1/nodes`: every node, sorted by role then ID. */
export interface NodeListResponse {
  nodes: NodeView[];
}

/** `GET /api/v1/nodes/:id`: the node plus, for a gateway, its upstream count per endpoint. */
export interface NodeDetailResponse extends NodeView {
  /** Endpoint ID → upstream sessions on this node (gateways; `{}` otherwise). */
  endpoints: Record<string, number>;
}
