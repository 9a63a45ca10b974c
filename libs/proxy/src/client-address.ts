import { isIPv4 } from 'node:net';

const MAPPED_PREFIX = '::ffff:';

/**
 * The client's IP address as it goes into X-Forwarded-For: an IPv4 client reached over a
 * dual-stack socket (`::` listens for both) shows in Node as an IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`, RFC 4291 §2.5.5.2); it is written as plain IPv4 (`1.2.3.4`), as Go's
 * net/http reports it (RemoteAddr) and as upstreams parsing the header expect. '' when unknown
 * (the socket already closed).
 */
export function clientAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return '';
  if (remoteAddress.length > MAPPED_PREFIX.length && remoteAddress.slice(0, MAPPED_PREFIX.length).toLowerCase() === MAPPED_PREFIX) {
    const v4 = remoteAddress.slice(MAPPED_PREFIX.length);
    if (isIPv4(v4)) return v4;
  }
  return remoteAddress;
}
