import type { ServerTls } from '@piko/runtime';

/** What the gateway needs from config, in its own terms (the app maps config keys onto it). */
export interface GatewayOptions {
  /** `upstream.bind_addr` split into host ('' = all interfaces) and port. */
  host: string;
  port: number;
  mux: {
    keepAliveInterval: number;
    connectionWriteTimeout: number;
    maxStreams: number;
    maxStreamWindow: number;
    acceptBacklog: number;
    streamOpenTimeout: number;
    /** Flood limits (ms, bytes, frames/s): see SessionOptions. */
    maxQueuedControlBytes: number;
    queuedControlTimeout: number;
    maxFrameRate: number;
    frameBurst: number;
  };
  /** `upstream.read_header_timeout` in ms: a connection's upgrade request must arrive within it (0: no limit). Default 10 s. */
  readHeaderTimeoutMs?: number;
  /** `upstream.tls`: the port serves HTTPS/WSS with this (reloading) certificate; undefined = plain. */
  tls?: ServerTls;
  /**
   * `upstream.allowed_origins`: origins besides the port's own that may open an upstream
   * WebSocket (see websocketOriginAllowed); absent = same origin (or no Origin) only.
   */
  allowedOrigins?: readonly string[];
}
