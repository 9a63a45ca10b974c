import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import proxyAddr from 'proxy-addr';

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

/**
 * `proxy.trusted_proxies` compiled: whether an address (IPv4, IPv6 or IPv4-mapped IPv6) is one of
 * the listed load balancers. The second argument is proxy-addr's hop index (unused here).
 */
export type TrustedProxies = (address: string, hop: number) => boolean;

/**
 * Compiles `proxy.trusted_proxies`: CIDRs (`10.0.0.0/8`, `2001:db8::/32`), single addresses, or
 * proxy-addr's names `loopback`, `linklocal`, `uniquelocal`. Undefined for an empty list (trust
 * nobody). Throws TypeError naming an entry that is none of these (config validation,
 * IsTrustedProxyList, refuses them first).
 */
export function compileTrustedProxies(entries: readonly string[]): TrustedProxies | undefined {
  return entries.length > 0 ? proxyAddr.compile([...entries]) : undefined;
}

/** Whether the request's direct peer (the socket's address) is a trusted proxy. */
export function peerIsTrusted(req: IncomingMessage, trusted: TrustedProxies | undefined): boolean {
  const peer = req.socket.remoteAddress;
  return trusted !== undefined && peer !== undefined && trusted(peer, 0);
}

/**
 * The address of the client a request came from, for per-client decisions: the direct peer,
 * unless it is a trusted proxy (`proxy.trusted_proxies`); then X-Forwarded-For (only that exact
 * spelling; all its fields, in order) is walked from the right, past trusted addresses, to the
 * first untrusted one, the leftmost address when all are trusted (proxy-addr, as Express's
 * `trust proxy`). Written as clientAddress writes it (plain IPv4 for a mapped address); '' when
 * the socket has closed. A trusted proxy is relied on to append its own peer's address: an
 * entry that is not an IP address stops the walk and is returned as it is.
 */
export function originalClientAddress(req: IncomingMessage, trusted: TrustedProxies | undefined): string {
  if (!trusted || !req.socket.remoteAddress) return clientAddress(req.socket.remoteAddress);
  return clientAddress(proxyAddr(req, trusted));
}
