import type { ConnectionOptions } from 'node:tls';
import type { SessionOptions } from '@piko/protocol';

/** What the relay client needs from config, in its own terms. */
export interface RelayClientOptions {
  /** How long to wait for a gateway's answer (the status byte) on a new stream, in ms. 0 waits forever. */
  acceptTimeoutMs: number;
  /** How long a TCP connect to a gateway's relay port may take, in ms. */
  connectTimeoutMs: number;
  /**
   * After a failed connect, dials to that gateway fail at once for this many ms instead of each
   * paying a connect attempt (a killed gateway stays in routes until its lease expires). 0 disables.
   */
  connectRetryHoldMs: number;
  /**
   * Multiplexer settings for relay sessions. `streamOpenTimeout` defaults to 0 here: the
   * accept timeout already bounds the wait for the gateway, so a second per-stream timer buys nothing.
   */
  mux?: Omit<SessionOptions, 'client' | 'logger'>;
  /**
   * With this, relay connections are TLS (`relay.tls.client`: CAs, client certificate, server
   * name); undefined = plain TCP. The connect timeout covers the TLS handshake too.
   */
  tls?: ConnectionOptions;
  /**
   * `relay.secret`: each connection proves it to the gateway, and checks the gateway's proof,
   * before any stream is opened (relay-handshake.ts in @piko/protocol). Without it the link
   * relies on a TLS client certificate (`tls.cert`), which the gateway verifies.
   */
  secret?: Buffer;
}

export const DEFAULT_RELAY_CLIENT_OPTIONS: RelayClientOptions = {
  acceptTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  connectRetryHoldMs: 1_000,
};
