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
  /**
   * Picks the upstream one HTTP request goes to (load balancing per request) without opening a
   * stream, so the proxy can reuse an idle stream it keeps for that upstream; undefined when the
   * endpoint has no upstream. A dialer without it gets one stream per request.
   */
  choose?(endpointId: string): UpstreamChoice | undefined;
}

/**
 * One upstream for one request: `key` names it (streams opened to it are reusable for it only:
 * an upstream session's ID, which serves one endpoint, or in a cluster the gateway and the
 * endpoint a relay stream goes to: a relay stream names its endpoint once, in its header), `open` opens a
 * new stream there, with the same results and errors as UpstreamDialer.dial (it may fall back
 * to another upstream of the endpoint when this one cannot take a stream).
 */
export interface UpstreamChoice {
  readonly key: string;
  open(): Promise<Duplex | undefined>;
  /**
   * False: streams to this upstream are not kept for reuse; the request gets a stream of its own
   * (`open`, `Connection: close`): the cluster's choice while it waits for a route.
   */
  readonly reusable?: boolean;
  /**
   * True: only a request HttpForwarder can send again (retryableOnKeptStream: idempotent, no
   * body) goes on a kept stream; any other gets a new stream (`open`) of its own. A kept relay
   * stream may be ended by its gateway just as a request goes down it (the endpoint left that
   * gateway; see ClusterUpstreamDialer.choose), and only such a request can then go again;
   * a new relay stream is not ended before its first request while its upstream stream lives.
   */
  readonly reuseRetryableOnly?: boolean;
}

export const UPSTREAM_DIALER = Symbol('UPSTREAM_DIALER');
