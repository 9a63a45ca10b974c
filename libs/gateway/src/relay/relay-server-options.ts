import type { SessionOptions } from '@piko/protocol';
import type { ServerTls } from '@piko/runtime';

/** What the relay server needs from config, in its own terms (the app maps `relay.*` keys onto it). */
export interface RelayServerOptions {
  /** `relay.bind_addr` split into host ('' = all interfaces) and port (default 8003). */
  host: string;
  port: number;
  /** A relay stream whose header has not arrived within this many ms is reset. 0 disables. */
  headerTimeoutMs: number;
  /** Multiplexer settings for relay sessions (the server side of each proxy's connection). */
  mux?: Omit<SessionOptions, 'client' | 'logger'>;
  /** `relay.tls`: the port serves TLS with this (reloading) certificate, mutual with `client_cas`; undefined = plain TCP. */
  tls?: ServerTls;
}
