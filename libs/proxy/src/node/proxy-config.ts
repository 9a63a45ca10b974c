import { clientTlsOptions, ConfigError, parseBindAddr, relaySessionOptions, type ServerConfig } from '@piko/config';
import { compileTrustedProxies } from '../client-address';
import type { ProxyOptions } from '../proxy-options';
import type { RelayClientOptions } from '../relay/relay-client-options';

/** Maps config keys onto the proxy's own options. */
export function proxyOptions(config: ServerConfig): ProxyOptions {
  const { host, port } = parseBindAddr(config.proxy.bindAddr);
  const http = config.proxy.http;
  return {
    host,
    port,
    timeoutMs: config.proxy.timeout,
    accessLog: {
      ...config.proxy.accessLog,
      // With log.subsystems set any level may be written, so every record is built.
      processLevel: config.log.subsystems.length > 0 ? undefined : config.log.level,
    },
    maxHeaderBytes: http.maxHeaderBytes,
    maxHeaderCount: http.maxHeaderCount,
    maxResponseHeaderBytes: http.maxResponseHeaderBytes,
    // Go: a zero read_header_timeout falls back to read_timeout. A read_timeout shorter than the
    // head's bounds the head too (the whole request, head included, must arrive in it; Node
    // refuses to start with headersTimeout above requestTimeout).
    readHeaderTimeoutMs: http.readHeaderTimeout > 0 && http.readTimeout > 0 ? Math.min(http.readHeaderTimeout, http.readTimeout) : http.readHeaderTimeout || http.readTimeout,
    idleTimeoutMs: http.idleTimeout,
    readTimeoutMs: http.readTimeout,
    writeTimeoutMs: http.writeTimeout,
    tcpAllowedOrigins: config.proxy.tcpAllowedOrigins,
    trustedProxies: compileTrustedProxies(config.proxy.trustedProxies),
    bodyIdleTimeoutMs: http.bodyIdleTimeout,
    upstreamMaxIdleStreams: http.upstreamMaxIdleStreams,
    upstreamIdleTimeoutMs: http.upstreamIdleTimeout,
    maxPipelinedRequests: http.maxPipelinedRequests,
    maxStreamsPerClient: config.proxy.maxStreamsPerClient,
  };
}

/**
 * Maps `relay.*` onto the relay client's options. The relay is TLS when `relay.tls.cert` is set
 * (one config for the cluster: gateways serve what proxies dial), verified with `relay.tls.client.*`.
 * Throws ConfigError when a `relay.tls.client` file cannot be read, when the link would be
 * unauthenticated (neither `relay.secret` nor a relay TLS client certificate), or when
 * `relay.tls.client` is set without `relay.tls.cert` (it would be ignored: no TLS).
 */
export function relayClientOptions(config: ServerConfig): RelayClientOptions {
  const { secret, tls } = config.relay;
  if (!secret && !(tls.cert && tls.client.cert)) {
    throw new ConfigError([
      'relay.secret is required (or relay.tls with relay.tls.client.cert): gateways accept only authenticated relay links. Set the same secret on every proxy and gateway.',
    ]);
  }
  // Client settings without relay.tls.cert were ignored: the proxy dialled in plain text, and a
  // gateway serving TLS answered every relay with a broken header (all requests 502).
  const client = tls.client;
  if (!tls.cert && (client.cert || client.key || client.rootCas || client.serverName || client.insecureSkipVerify)) {
    throw new ConfigError([
      'relay.tls.client is set but relay.tls.cert is not: proxies dial the relay with TLS only when relay.tls.cert (and key) is set, the same relay.tls block as the gateways\'.',
    ]);
  }
  return {
    acceptTimeoutMs: config.relay.acceptTimeout,
    connectTimeoutMs: config.relay.connectTimeout,
    connectRetryHoldMs: config.relay.connectRetryHold,
    secret: secret ? Buffer.from(secret, 'utf8') : undefined,
    tls: config.relay.tls.cert ? (clientTlsOptions(config.relay.tls.client, 'relay.tls.client') ?? {}) : undefined,
    mux: relaySessionOptions(config),
  };
}
