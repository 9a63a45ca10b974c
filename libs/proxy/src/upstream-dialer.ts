import type { Duplex } from 'node:stream';

export interface DialOptions {
  /**
   * The stream carries the raw TCP route (`/_piko/v1/tcp/:id`): never to an upstream that
   * declared HTTP (ENDPOINT_PROTOCOL_HEADER).
   */
  rawTcp?: boolean;
}

/**
 * How the proxy reaches an upstream: one byte stream per proxied connection. In one process it is
 * the local gateway's pool; in a cluster, a relay stream to a gateway that owns the endpoint.
 * Resolves undefined when no upstream for the endpoint is available; rejects with
 * TcpToHttpEndpointError when `rawTcp` and every upstream found declared HTTP, or with
 * EndpointBusyError (@piko/protocol) when its upstreams are all at their stream limit.
 */
export interface UpstreamDialer {
  dial(endpointId: string, options?: DialOptions): Promise<Duplex | undefined>;
}

export const UPSTREAM_DIALER = Symbol('UPSTREAM_DIALER');
