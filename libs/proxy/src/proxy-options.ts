import type { Inspector } from '@piko/inspect';
import type { ProxyAuth } from './proxy-auth';
import type { ServerTls } from '@piko/runtime';
import type { AccessLogOptions } from './access-log';
import type { TrustedProxies } from './client-address';

/** What the proxy needs from config, in its own terms (the app maps config keys onto it). */
export interface ProxyOptions {
  /** `proxy.bind_addr` split into host ('' = all interfaces) and port. */
  host: string;
  port: number;
  /** `proxy.timeout` in ms: wait for upstream response headers (an upgrade's 101 too, not the upgraded connection); 0 = none. */
  timeoutMs: number;
  /** `proxy.access_log` (level, disable, header lists): see ProxyAccessLog. */
  accessLog: AccessLogOptions;
  /** `proxy.http.max_header_bytes`: larger request heads get 431. */
  maxHeaderBytes: number;
  /** `proxy.http.max_header_count`: requests with more header fields get 431 (see refuseRequestHead). */
  maxHeaderCount: number;
  /** `proxy.http.max_response_header_bytes`: larger upstream response heads give the client 502. */
  maxResponseHeaderBytes: number;
  /** `proxy.http.read_header_timeout` in ms: a client must send its whole request head within this. */
  readHeaderTimeoutMs: number;
  /** `proxy.http.idle_timeout` in ms: an idle keep-alive connection is closed after this. */
  idleTimeoutMs: number;
  /** `proxy.http.read_timeout` in ms: the whole request, body included, must arrive within this; 0 = no limit. */
  readTimeoutMs: number;
  /** `proxy.http.write_timeout` in ms: a response still writing this long after its request arrived is cut; 0 = no limit. */
  writeTimeoutMs: number;
  /** `proxy.trusted_proxies` compiled (see compileTrustedProxies); undefined = trust no peer's forwarding headers. */
  trustedProxies?: TrustedProxies;
  /** `proxy.http.body_idle_timeout` in ms: a request body that sends nothing this long ends its request (408); 0 = no limit. */
  bodyIdleTimeoutMs: number;
  /** `proxy.http.upstream_max_idle_streams`: idle streams kept per upstream for reuse; 0 = one stream per request. Default 128. */
  upstreamMaxIdleStreams?: number;
  /** `proxy.http.upstream_idle_timeout` in ms: how long an idle stream is kept. Default 15000. */
  upstreamIdleTimeoutMs?: number;
  /** `proxy.http.max_pipelined_requests`: requests one connection may have waiting behind the one in progress. */
  maxPipelinedRequests: number;
  /** `proxy.max_streams_per_client`: requests, WebSocket and TCP connections one client address may have in progress; 0 = no limit. */
  maxStreamsPerClient: number;
  /** `proxy.tls`: the port serves HTTPS with this (reloading) certificate; undefined = plain HTTP. */
  tls?: ServerTls;
  /** `proxy.auth`: every request, upgrade and TCP connection needs a token; undefined = open. */
  auth?: ProxyAuth;
  /**
   * `proxy.tcp_allowed_origins`: origins besides the port's own that may open the TCP route's
   * WebSocket (see websocketOriginAllowed); absent = same origin (or no Origin) only.
   */
  tcpAllowedOrigins?: readonly string[];
  /** `proxy.inspect`: traffic inspection (see proxyInspector); undefined = never captures. */
  inspector?: Inspector;
}
