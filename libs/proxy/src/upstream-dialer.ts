import type { Duplex } from 'node:stream';

/**
 * How the proxy reaches an upstream: one byte stream per proxied connection. In one process it is
 * the local gateway's pool; in a cluster, a relay stream to a gateway that owns the endpoint.
 * Resolves undefined when no upstream for the endpoint is available.
 */
export interface UpstreamDialer {
  dial(endpointId: string): Promise<Duplex | undefined>;
}

export const UPSTREAM_DIALER = Symbol('UPSTREAM_DIALER');
