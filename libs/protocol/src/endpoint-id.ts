// Go Piko takes the endpoint ID from the URL path or the Host label without a charset rule of
// its own; we accept the URL "unreserved" characters so an ID is safe in a path segment, a DNS
// label position, a header and a Redis key alike.
const ENDPOINT_ID = /^[A-Za-z0-9._~-]{1,256}$/;

export function isValidEndpointId(id: string): boolean {
  return ENDPOINT_ID.test(id);
}
