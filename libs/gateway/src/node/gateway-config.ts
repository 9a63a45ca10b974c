import { ConfigError, parseBindAddr, relaySessionOptions, type ServerConfig } from '@piko/config';
import type { ServerTls } from '@piko/runtime';
import type { GatewayOptions } from '../gateway-options';
import type { RelayServerOptions } from '../relay/relay-server-options';

/** Maps config keys onto the gateway's own options. */
export function gatewayOptions(config: ServerConfig): GatewayOptions {
  const { host, port } = parseBindAddr(config.upstream.bindAddr);
  const mux = config.upstream.mux;
  return {
    host,
    port,
    mux: {
      keepAliveInterval: mux.keepaliveInterval,
      connectionWriteTimeout: mux.writeTimeout,
      maxStreams: mux.maxStreams,
      maxStreamWindow: mux.maxStreamWindow,
      acceptBacklog: mux.acceptBacklog,
      streamOpenTimeout: mux.streamOpenTimeout,
      maxQueuedControlBytes: mux.maxQueuedControlBytes,
      queuedControlTimeout: mux.queuedControlTimeout,
      maxFrameRate: mux.maxFrameRate,
      frameBurst: mux.frameBurst,
    },
    allowedOrigins: config.upstream.allowedOrigins,
    readHeaderTimeoutMs: config.upstream.readHeaderTimeout,
  };
}

/**
 * Maps `relay.*` onto the relay server's options (`tls`: the loaded `relay.tls`, if set). Throws
 * ConfigError when the relay would be unauthenticated: neither `relay.secret` nor mutual TLS.
 */
export function relayServerOptions(config: ServerConfig, tls?: ServerTls): RelayServerOptions {
  const { host, port } = parseBindAddr(config.relay.bindAddr);
  if (!config.relay.secret && !tls?.mutual) {
    throw new ConfigError([
      'relay.secret is required (or relay.tls with client_cas): without it the relay port would splice any connection onto any upstream. Set the same secret on every proxy and gateway.',
    ]);
  }
  return {
    host,
    port,
    headerTimeoutMs: config.relay.headerTimeout,
    maxHandshakes: config.relay.maxHandshakes,
    maxHandshakesPerAddress: config.relay.maxHandshakesPerAddress,
    tls,
    secret: config.relay.secret ? Buffer.from(config.relay.secret, 'utf8') : undefined,
    mux: relaySessionOptions(config),
  };
}
