import { parseBindAddr, type ServerConfig } from '@piko/config';
import type { GatewayOptions } from '@piko/gateway';
import type { ProxyOptions } from '@piko/proxy';

/** Maps config keys onto the proxy's own options. */
export function proxyOptions(config: ServerConfig): ProxyOptions {
  const { host, port } = parseBindAddr(config.proxy.bindAddr);
  const http = config.proxy.http;
  return {
    host,
    port,
    timeoutMs: config.proxy.timeout,
    accessLog: config.proxy.accessLog,
    maxHeaderBytes: http.maxHeaderBytes,
    // Go: a zero read_header_timeout falls back to read_timeout.
    readHeaderTimeoutMs: http.readHeaderTimeout || http.readTimeout,
    idleTimeoutMs: http.idleTimeout,
  };
}

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
    },
  };
}
