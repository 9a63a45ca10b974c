/** Names the endpoint a proxied request is for (else the Host's first label is used). */
export const ENDPOINT_HEADER = 'x-piko-endpoint';

/**
 * Sent by an upstream on its WebSocket upgrade to say what its service speaks: `http` (the
 * agent's HTTP listeners) or `tcp`. Not part of Go Piko's protocol (its servers ignore it; its
 * agents do not send it). A gateway never gives an `http` upstream a stream from the proxy's raw
 * TCP route (`/_piko/v1/tcp/:id`): what reaches an HTTP service must have passed the proxy's
 * request rules. Without the header an upstream takes both kinds, as in Go Piko.
 */
export const ENDPOINT_PROTOCOL_HEADER = 'x-piko-endpoint-protocol';

/** The values of ENDPOINT_PROTOCOL_HEADER. */
export type EndpointProtocol = 'http' | 'tcp';

/** The header's value as an EndpointProtocol, or undefined when absent or unknown (treated as Go Piko's: either). */
export function parseEndpointProtocol(value: string | string[] | undefined): EndpointProtocol | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const lower = text?.trim().toLowerCase();
  return lower === 'http' || lower === 'tcp' ? lower : undefined;
}
