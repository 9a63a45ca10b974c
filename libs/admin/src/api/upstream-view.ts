/** A gateway that did not answer a request/reply in time (or could not be asked). */
export interface UnreachableNode {
  node: string;
  /** e.g. `timeout after 2000 ms`, `no responder`, `nats not connected`. */
  reason: string;
}

/** One live upstream session (an agent or SDK listener connected to a gateway). */
export interface UpstreamView {
  /** The session's ID, unique in the cluster; `DELETE /api/v1/upstreams/:id` takes it. */
  id: string;
  endpointId: string;
  /** The gateway's node ID. */
  node: string;
  /** The agent's address as the gateway sees it (`host:port`; a load balancer's if one is between). */
  remoteAddr: string;
  /** The upgrade request's `User-Agent`, or null. */
  userAgent: string | null;
  /** The Piko version in the user agent (`piko-agent/0.1.0` → `0.1.0`; Go Piko's agent sends none), or null. */
  agentVersion: string | null;
  /** ISO 8601 time the session connected. */
  connectedAt: string;
  /** Streams open now (requests and TCP connections in flight). */
  openStreams: number;
  /** Bytes received from the agent on this session (yamux frames, headers included). */
  bytesIn: number;
  /** Bytes sent to the agent on this session. */
  bytesOut: number;
  /** Streams opened on this session since it connected (one per proxied request or connection). */
  requests: number;
  /** True once the session was told go-away (drain, disconnect, rebalance) and is on its way out. */
  retiring: boolean;
}

/**
 * `GET /api/v1/upstreams?endpoint=&node=`: sessions gathered from every gateway (or the one named
 * by `node`) over NATS request/reply. A gateway that does not answer within
 * `admin.api.request_timeout` is listed in `unreachable`, never silently left out.
 */
export interface UpstreamListResponse {
  upstreams: UpstreamView[];
  unreachable: UnreachableNode[];
}
