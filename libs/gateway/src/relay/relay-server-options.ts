import type { SessionOptions } from '@piko/protocol';
import type { ServerTls } from '@piko/runtime';

/** What the relay server needs from config, in its own terms (the app maps `relay.*` keys onto it). */
export interface RelayServerOptions {
  /** `relay.bind_addr` split into host ('' = all interfaces) and port (default 8003). */
  host: string;
  port: number;
  /** A relay stream whose header has not arrived within this many ms is reset. 0 disables. */
  headerTimeoutMs: number;
  /** `relay.max_handshakes`: connections in the handshake at once; a newcomer evicts the oldest (HandshakeSlots). Default 256. */
  maxHandshakes?: number;
  /** `relay.max_handshakes_per_address`: of those, from one remote address; more are closed on arrival. Default 16. */
  maxHandshakesPerAddress?: number;
  /** Multiplexer settings for relay sessions (the server side of each proxy's connection). */
  mux?: Omit<SessionOptions, 'client' | 'logger'>;
  /** `relay.tls`: the port serves TLS with this (reloading) certificate, mutual with `client_cas`; undefined = plain TCP. */
  tls?: ServerTls;
  /**
   * `relay.secret`: proxies must prove they know it (HMAC challenge-response, see
   * relay-handshake.ts in @piko/protocol) before their connection carries anything. Without it,
   * `tls` must be mutual (`client_cas`): the certificate is the proof. One of the two is required.
   */
  secret?: Buffer;
}
