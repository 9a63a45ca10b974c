import type { IncomingMessage } from 'node:http';
import { ENDPOINT_HEADER } from '@piko/protocol';
import { clientAddress, peerIsTrusted, type TrustedProxies } from './client-address';

// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, never the next one.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Fields a `Connection` header cannot make hop-by-hop: Go keeps them outside the header map it
 * removes nominated fields from (net/http deletes Host from `Header` into `Request.Host`, and
 * Content-Length into `ContentLength`, transfer.go), so `Connection: Host` reached a service as
 * an HTTP/1.1 request without Host through us, and `Connection: Content-Length` re-framed a body.
 */
const NEVER_NOMINATED = new Set(['host', 'content-length']);

/**
 * The header names (lower case) a message's `Connection` header fields list: each is hop-by-hop
 * for that message and goes no further (RFC 9110 §7.6.1; Go's `removeHopByHopHeaders`), except
 * the framing and routing fields Go does not let it remove (NEVER_NOMINATED).
 */
export function connectionNamedHeaders(raw: string[]): Set<string> {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length !== 10 || raw[i].toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1].split(',')) {
      const name = token.trim().toLowerCase();
      if (name && !NEVER_NOMINATED.has(name)) named.add(name);
    }
  }
  return named;
}

/** Whether a header is hop-by-hop: one of RFC 9110's fixed list, or named by the message's `Connection`. */
function isHopByHop(name: string, connectionNamed: Set<string>): boolean {
  return HOP_BY_HOP.has(name) || (connectionNamed.size > 0 && connectionNamed.has(name));
}

/** What the edge knows about a client's connection, for the forwarding headers. */
export interface ForwardingOptions {
  /** The proxy port serves TLS: `X-Forwarded-Proto: https`. */
  tls: boolean;
  /** `proxy.trusted_proxies`: peers whose forwarding headers are kept (see forwardedRequestHeaders). */
  trustedProxies?: TrustedProxies;
}

/**
 * A header name as servers that treat `_` like `-` read it (nginx with underscores_in_headers,
 * CGI, PHP, WSGI, Rack: `X_Forwarded_For` and `X-Forwarded-For` both become
 * HTTP_X_FORWARDED_FOR), lower-cased.
 */
function canonicalName(lowerName: string): string {
  return lowerName.includes('_') ? lowerName.replace(/_/g, '-') : lowerName;
}

/**
 * Headers besides `X-Forwarded-*` and `Forwarded` by which CDNs, load balancers and ingresses tell
 * a service the client's address, and which frameworks read for it (request-ip, Django/Rails
 * middlewares, nginx's real_ip_header): a client could name any address in them. Canonical spelling
 * (lower case, `-`). Cloudflare `CF-Connecting-IP(v6)`/`CF-Pseudo-IPv4`, Akamai/Cloudflare
 * `True-Client-IP`, Fastly `Fastly-Client-IP`, Rackspace/Riverbed `X-Cluster-Client-IP`,
 * ingress-nginx `X-Original-Forwarded-For`, App Engine `X-Appengine-User-IP`, Envoy
 * `X-Envoy-External-Address`, Microsoft `X-Originating-IP`, and the generic ones.
 */
const CLIENT_ADDRESS_HEADERS = new Set([
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'cf-pseudo-ipv4',
  'fastly-client-ip',
  'x-cluster-client-ip',
  'x-original-forwarded-for',
  'x-appengine-user-ip',
  'x-envoy-external-address',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-proxyuser-ip',
  'client-ip',
  'x-forwarded',
  'forwarded-for',
]);

/** Headers that tell a service who the client is or how it connected, in any spelling. */
function isForwardingHeader(canonical: string): boolean {
  return canonical.startsWith('x-forwarded-') || canonical === 'forwarded' || CLIENT_ADDRESS_HEADERS.has(canonical);
}

/**
 * The raw headers to send upstream for a client request: the client's own, less hop-by-hop ones
 * and less Piko's internal `x-piko-*` headers in any spelling (a client could spoof those; only
 * the endpoint header, spelled exactly, is the client's to send), plus X-Forwarded-For/-Proto/-Host.
 * Hop-by-hop means the fixed list and every header the client's `Connection` names (RFC 9110
 * §7.6.1), as Go's ReverseProxy removes them; `TE: trailers` is kept, as Go keeps it, to tell the
 * upstream trailers get through. For an upgrade, `Connection` and `Upgrade` are kept, since the
 * upgrade itself must travel to the upstream.
 *
 * Forwarding headers (`X-Forwarded-*`, `Forwarded`, and the client-address headers of
 * CLIENT_ADDRESS_HEADERS: `X-Real-IP`, `True-Client-IP`, `CF-Connecting-IP`, `Fastly-Client-IP`,
 * `X-Cluster-Client-IP`, `X-Original-Forwarded-For`...) are dropped in every spelling (`_` for `-`, any case) unless the direct peer
 * is in `proxy.trusted_proxies`: then those it sent spelled with `-` are kept, its
 * X-Forwarded-For gets the peer's address appended, and its X-Forwarded-Proto/-Host stand
 * (ours are added when it sent none). Underscore spellings are dropped even from a trusted peer:
 * a load balancer passes a client's through. Go's ReverseProxy appends to any client's
 * X-Forwarded-For and passes the rest; trusting nobody by default is ours (architecture.md).
 */
export function forwardedRequestHeaders(req: IncomingMessage, edge: ForwardingOptions, upgrade: boolean): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  const connectionNamed = connectionNamedHeaders(raw);
  const trustedPeer = peerIsTrusted(req, edge.trustedProxies);
  let forwardedFor: string | undefined;
  let forwardedProto = false;
  let forwardedHost = false;
  let teTrailers = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'te' && /(^|,)\s*trailers\s*(;|,|$)/i.test(raw[i + 1])) teTrailers = true;
    if (isHopByHop(name, connectionNamed) && !(upgrade && (name === 'connection' || name === 'upgrade'))) continue;
    const canonical = canonicalName(name);
    if (canonical.startsWith('x-piko-') && name !== ENDPOINT_HEADER) continue;
    if (!isForwardingHeader(canonical)) {
      out.push(raw[i], raw[i + 1]);
      continue;
    }
    if (!trustedPeer || canonical !== name) continue;
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor ? `${forwardedFor}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (name === 'x-forwarded-proto') forwardedProto = true;
    if (name === 'x-forwarded-host') forwardedHost = true;
    out.push(raw[i], raw[i + 1]);
  }
  if (teTrailers) out.push('TE', 'trailers');
  const clientIp = clientAddress(req.socket.remoteAddress);
  out.push('X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp);
  if (!forwardedProto) out.push('X-Forwarded-Proto', edge.tls ? 'https' : 'http');
  if (!forwardedHost && req.headers.host) out.push('X-Forwarded-Host', req.headers.host);
  return out;
}

/**
 * The upstream response's raw headers less hop-by-hop ones (the fixed list and those its
 * `Connection` names, RFC 9110 §7.6.1); Node frames the body for the client itself. Also for
 * interim (1xx) responses.
 */
export function forwardedResponseHeaders(raw: string[]): string[] {
  const out: string[] = [];
  const connectionNamed = connectionNamedHeaders(raw);
  for (let i = 0; i < raw.length; i += 2) {
    if (!isHopByHop(raw[i].toLowerCase(), connectionNamed)) out.push(raw[i], raw[i + 1]);
  }
  return out;
}
