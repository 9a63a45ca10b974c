/**
 * What nodes say to each other over ClusterRpc (`rpcSubject(node, verb)`), for the admin API.
 * Requests and replies are JSON; every reply is wrapped `{ok: …}` or `{error: "…"}`.
 *
 * | verb | served by | request | reply |
 * |---|---|---|---|
 * | `upstreams` | gateways | `{endpointId?}` | `UpstreamsReply` |
 * | `disconnect-upstream` | gateways | `{id}` | `CommandReply` |
 * | `disconnect-endpoint` | gateways | `{endpointId}` | `CommandReply` |
 * | `drain` | gateways | `{}` | `CommandReply` |
 * | `request-stats` | proxies (and `piko server`) | `{}` | `RequestStatsReply` |
 */
export const RPC_VERBS = {
  upstreams: 'upstreams',
  disconnectUpstream: 'disconnect-upstream',
  disconnectEndpoint: 'disconnect-endpoint',
  drain: 'drain',
  requestStats: 'request-stats',
} as const;

/** One upstream session as its gateway describes it (see the admin API's UpstreamView). */
export interface UpstreamSessionInfo {
  id: string;
  endpointId: string;
  remoteAddr: string;
  userAgent: string | null;
  /** Unix ms. */
  connectedAt: number;
  openStreams: number;
  /** Bytes read from / written to the session's connection (WebSocket framing included). */
  bytesIn: number;
  bytesOut: number;
  /** Streams opened on the session since it connected. */
  requests: number;
  retiring: boolean;
}

export interface UpstreamsReply {
  upstreams: UpstreamSessionInfo[];
}

/** A command's acknowledgement: how many upstream sessions this node told go-away. */
export interface CommandReply {
  sessions: number;
}

/**
 * A proxy's request counters since it started (cumulative, so any number of readers can take
 * rates from two samples): endpoint ID → [requests, errors]. An endpoint idle between two
 * collections may be dropped and later start again from 0 (readers treat a decrease as a restart).
 */
export interface RequestStatsReply {
  /** Unix ms when the counters were read. */
  at: number;
  endpoints: Record<string, [requests: number, errors: number]>;
}
