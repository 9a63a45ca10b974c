import { IsAdvertiseAddr, IsBindAddr, IsOriginList, IsTrustedProxyList } from '../lib/address.validators';
import { DurationOption, IntOption, ListOption, Section, SectionOrBoolean, StringOption } from '../lib/option.decorators';
import { AccessLogConfig, applyAccessLogBoolean } from './access-log.config';
import { AuthConfig } from './auth.config';
import { HttpConfig } from './http.config';
import { InspectConfig } from './inspect.config';
import { TlsConfig } from './tls.config';

/** The proxy port, where clients send requests for an endpoint (Go Piko's `proxy`). */
export class ProxyConfig {
  @StringOption(`
Host/port to listen on for proxy clients. Without a host it listens on all
interfaces: ':8000' listens on '0.0.0.0:8000'.`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = ':8000';

  @StringOption(`
Proxy address to advertise to other nodes, such as '10.26.104.45:8000'.
Defaults to the bind address's IP, or this host's private IP when the bind
address has none.`, { placeholder: 'addr' })
  @IsAdvertiseAddr()
  advertiseAddr = '';

  @DurationOption(`
Timeout forwarding a request to the upstream. When the upstream does not
respond in time the client gets '504 Gateway Timeout'.`)
  timeout = 30_000;

  @DurationOption(`
How long a request may wait for an endpoint that had an upstream moments ago
and now has none this proxy can reach: an upstream moving to another gateway
(a gateway draining or rebalancing sends it go-away, it reconnects elsewhere)
is briefly on neither as far as the proxy knows. The request goes out as soon
as the routing table shows the endpoint again; it gets '502' {"error":"no
available upstreams"} once this long has passed since the endpoint was last
reached. An endpoint not reached within it is answered at once. 0 answers at
once, as Go Piko does. Cluster only. (Not a Go Piko key.)`)
  rerouteTimeout = 5_000;

  @ListOption(`
Load balancers in front of the proxy whose forwarding headers are believed:
CIDRs or addresses, IPv4 or IPv6, such as '10.0.0.0/8,2001:db8::/32'. From a
listed peer, X-Forwarded-For is appended to (and the client is its rightmost
address not listed), and X-Forwarded-Proto/-Host, Forwarded and X-Real-IP are
kept. From any other peer every spelling of them is dropped and replaced.
Empty (the default): trust nobody.`)
  @IsTrustedProxyList()
  trustedProxies: string[] = [];

  @IntOption(`
Requests, WebSocket and TCP connections one client address may have in progress
at once, over all endpoints; more get '503' {"error":"endpoint busy"}. The
address is the connecting peer's, or behind trusted-proxies the client they
forward. 0 means no limit. (Not a Go Piko key.)`, { min: 0 })
  maxStreamsPerClient = 256;

  @SectionOrBoolean(() => AccessLogConfig, `
Log each proxied request at info ('true') or at debug ('false'): the boolean
of Go Piko before v0.8. Its access-log.* flags set the same log in full.`, applyAccessLogBoolean)
  accessLog = new AccessLogConfig();

  @Section(() => HttpConfig)
  http = new HttpConfig();

  @Section(() => AuthConfig)
  auth = new AuthConfig();

  @Section(() => TlsConfig)
  tls = new TlsConfig();

  @Section(() => InspectConfig)
  inspect = new InspectConfig();

  @ListOption(`
Origins allowed to open a TCP connection (/_piko/v1/tcp/:id, a WebSocket)
besides the port's own (an Origin whose host is the request's Host), such as
'https://app.example.com', or '*' for any. A handshake without an Origin
header (piko forward, the SDK: only browsers send one) is always accepted;
any other is refused with 403. WebSocket upgrades to services are not checked:
each service judges its own.`, { placeholder: 'origins' })
  @IsOriginList()
  tcpAllowedOrigins: string[] = [];
}
