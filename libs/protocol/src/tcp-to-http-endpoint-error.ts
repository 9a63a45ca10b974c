/**
 * A raw TCP connection (the proxy's `/_piko/v1/tcp/:id` route) was asked for an endpoint whose
 * reachable upstreams all declared HTTP (ENDPOINT_PROTOCOL_HEADER): refused, because raw bytes
 * would reach the HTTP service without the proxy's request rules (forwarding headers, the
 * `/_piko` reservation, header limits). The proxy answers 403. Code: ERR_TCP_TO_HTTP_ENDPOINT.
 */
export class TcpToHttpEndpointError extends Error {
  readonly code = 'ERR_TCP_TO_HTTP_ENDPOINT';

  constructor(endpointId: string) {
    super(`endpoint ${endpointId} serves http: raw tcp connections are refused`);
    this.name = 'TcpToHttpEndpointError';
  }
}
