import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import {
  GoAwayError,
  RelayStatus,
  Session,
  encodeRelayRequest,
  relayClientHandshake,
  readRelayResponse,
  type YamuxStream,
} from '@piko/protocol';
import { describeTlsFailure } from '@piko/client';
import type { Logger } from '@piko/observability';
import { parseRelayAddr } from './relay-addr';
import { RelayClientMetrics } from './relay-client-metrics';
import type { RelayClientOptions } from './relay-client-options';
import type { RelayConnectionInfo } from './relay-connection-info';
import { RelayDialError } from './relay-dial-error';

/**
 * What a gateway said to a relay stream: a stream to an upstream, or a refusal. `keepAlive`: the
 * gateway answered ACCEPTED_KEEP_ALIVE to a KEEP_ALIVE stream (it routes each HTTP request on it,
 * so the stream may carry more than one); false for a stream spliced onto one upstream stream.
 */
export type RelayDialResult =
  | { status: RelayStatus.Accepted; stream: Duplex; keepAlive: boolean }
  | { status: RelayStatus.NoUpstream | RelayStatus.Draining | RelayStatus.HttpOnly | RelayStatus.Busy };

/** How a relay stream is asked for. */
export interface RelayOpenOptions {
  /** The stream carries the proxy's raw TCP route: sent with the RAW_TCP flag (relay header v2). */
  rawTcp?: boolean;
  /** The stream carries HTTP requests the proxy would keep sending: sent with the KEEP_ALIVE flag (relay header v2). */
  keepAlive?: boolean;
}

const REFUSAL_RESULT = {
  [RelayStatus.NoUpstream]: 'no_upstream',
  [RelayStatus.Draining]: 'draining',
  [RelayStatus.HttpOnly]: 'http_only',
  [RelayStatus.Busy]: 'busy',
} as const;

interface GatewayConnection {
  readonly relayAddr: string;
  session?: Session;
  connecting?: Promise<Session>;
  /** Set after a failed connect: dials fail fast with this error until `failedUntil`. */
  failure?: RelayDialError;
  failedUntil: number;
}

/**
 * The proxy's side of the relay link: one multiplexed TCP connection per gateway (this side is
 * the yamux client), connected on first use and shared by every stream to that gateway. A
 * connection that closes (or whose gateway said go-away) is dropped and made afresh on the next
 * dial. Each dial opens a stream, sends the relay header and waits for the gateway's one-byte
 * answer before any byte of the proxied request is written.
 */
export class RelayClient {
  private readonly conns = new Map<string, GatewayConnection>();

  /**
   * The relay address of the gateway a stream this client opened goes to (its yamux session's
   * connection), or undefined. A walk over the connections (one per gateway): for traffic
   * inspection's `gateway_node`, never on the data path.
   */
  relayAddrOf(stream: Duplex): string | undefined {
    const session = (stream as Partial<YamuxStream>).session;
    if (!session) return undefined;
    for (const conn of this.conns.values()) if (conn.session === session) return conn.relayAddr;
    return undefined;
  }
  private readonly metrics?: RelayClientMetrics;
  private closed = false;

  constructor(
    private readonly options: RelayClientOptions,
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    if (registry) this.metrics = new RelayClientMetrics(registry, () => this.connections());
  }

  /**
   * A stream to an upstream of `endpointId` through the gateway at `relayAddr`, or undefined when
   * the gateway refused (NO_UPSTREAM or DRAINING: nothing reached an upstream, another gateway
   * may be tried). Rejects with RelayDialError when the gateway could not be asked (connect
   * failure, broken connection or stream, no answer within acceptTimeoutMs) or refused the header
   * as malformed (ERR_RELAY_BAD_REQUEST).
   */
  async dial(relayAddr: string, endpointId: string): Promise<Duplex | undefined> {
    const result = await this.open(relayAddr, endpointId);
    return result.status === RelayStatus.Accepted ? result.stream : undefined;
  }

  /**
   * Like dial(), but says why a gateway refused (HTTP_ONLY: a `rawTcp` stream for an endpoint
   * whose upstreams there all serve HTTP).
   */
  async open(relayAddr: string, endpointId: string, options: RelayOpenOptions = {}): Promise<RelayDialResult> {
    const header = encodeRelayRequest(endpointId, options);
    const existing = this.usableSession(relayAddr);
    if (existing) {
      try {
        return await this.exchange(existing, relayAddr, header);
      } catch (err) {
        // A pooled connection can die unnoticed (the gateway restarted, a NAT forgot us). Only the
        // header was sent, so asking again on a fresh connection is safe.
        if (!existing.isClosed || this.closed) throw err;
        this.logger.debug('relay connection was dead, reconnecting', { relayAddr, err: (err as Error).message });
      }
    }
    return this.exchange(await this.session(relayAddr), relayAddr, header);
  }

  /** Each gateway connection and its state, for metrics and readiness. */
  connections(): RelayConnectionInfo[] {
    const now = Date.now();
    const out: RelayConnectionInfo[] = [];
    for (const conn of this.conns.values()) {
      if (conn.session) out.push({ relayAddr: conn.relayAddr, state: 'connected', streams: conn.session.numStreams });
      else if (conn.connecting) out.push({ relayAddr: conn.relayAddr, state: 'connecting', streams: 0 });
      else if (conn.failedUntil > now) out.push({ relayAddr: conn.relayAddr, state: 'failed', streams: 0 });
    }
    return out;
  }

  /** Closes every gateway connection (open relay streams are reset); later dials reject. */
  close(): void {
    this.closed = true;
    for (const conn of this.conns.values()) conn.session?.close();
    this.conns.clear();
  }

  private usableSession(relayAddr: string): Session | undefined {
    const session = this.conns.get(relayAddr)?.session;
    return session && !session.isClosed && !session.remoteGoAway ? session : undefined;
  }

  private async exchange(session: Session, relayAddr: string, header: Buffer): Promise<RelayDialResult> {
    let stream: YamuxStream;
    try {
      stream = session.open();
    } catch (err) {
      this.metrics?.dialed('error');
      if (err instanceof GoAwayError) this.drop(relayAddr, session);
      throw new RelayDialError(`cannot open a relay stream to ${relayAddr}: ${(err as Error).message}`, 'ERR_RELAY_STREAM', { cause: err });
    }
    // Kept for the stream's life: whoever takes the stream attaches its own listener a tick later
    // (Node's HTTP client does), and an error in between must not go unhandled.
    stream.on('error', (err: Error) => this.logger.debug('relay stream error', { relayAddr, streamId: stream.id, err: err.message }));
    stream.write(header);
    let status: RelayStatus;
    try {
      status = await readRelayResponse(stream, this.options.acceptTimeoutMs);
    } catch (err) {
      stream.destroy();
      this.metrics?.dialed('error');
      throw new RelayDialError(`relay stream to ${relayAddr} failed before the gateway answered: ${(err as Error).message}`, 'ERR_RELAY_STREAM', {
        cause: err,
      });
    }
    switch (status) {
      case RelayStatus.Accepted:
      case RelayStatus.AcceptedKeepAlive:
        this.metrics?.dialed('accepted');
        return { status: RelayStatus.Accepted, stream, keepAlive: status === RelayStatus.AcceptedKeepAlive };
      case RelayStatus.NoUpstream:
      case RelayStatus.Draining:
      case RelayStatus.HttpOnly:
      case RelayStatus.Busy:
        stream.destroy();
        this.metrics?.dialed(REFUSAL_RESULT[status]);
        return { status };
      case RelayStatus.BadRequest:
        stream.destroy();
        this.metrics?.dialed('error');
        throw new RelayDialError(`gateway ${relayAddr} refused the relay header as malformed`, 'ERR_RELAY_BAD_REQUEST');
    }
  }

  /** The connection to a gateway: the live one, the one being made (shared), or a new one. */
  private session(relayAddr: string): Promise<Session> {
    if (this.closed) return Promise.reject(new RelayDialError('relay client closed', 'ERR_RELAY_CLOSED'));
    let conn = this.conns.get(relayAddr);
    if (conn?.session && !conn.session.isClosed && !conn.session.remoteGoAway) return Promise.resolve(conn.session);
    if (conn?.connecting) return conn.connecting;
    if (conn?.failure && conn.failedUntil > Date.now()) {
      this.metrics?.dialed('error');
      return Promise.reject(conn.failure);
    }
    conn = { relayAddr, failedUntil: 0 };
    this.conns.set(relayAddr, conn);
    const entry = conn;
    entry.connecting = this.connect(relayAddr).then(
      (session) => {
        entry.connecting = undefined;
        if (this.closed || this.conns.get(relayAddr) !== entry) {
          session.close();
          throw new RelayDialError('relay client closed', 'ERR_RELAY_CLOSED');
        }
        entry.session = session;
        session.once('close', (err?: Error) => {
          this.metrics?.sessionClosed(err);
          this.logger.info('relay connection closed', { relayAddr, ...(err ? { reason: err.message } : {}) });
          this.drop(relayAddr, session);
        });
        session.once('goaway', () => {
          this.logger.info('gateway sent go-away on relay connection', { relayAddr });
          this.drop(relayAddr, session);
        });
        this.logger.info('relay connection opened', { relayAddr });
        return session;
      },
      (err: RelayDialError) => {
        entry.connecting = undefined;
        const hold = this.options.connectRetryHoldMs;
        if (hold > 0 && this.conns.get(relayAddr) === entry) {
          entry.failure = err;
          entry.failedUntil = Date.now() + hold;
          // Forget the address after the hold: gateways come and go (pod IPs), and a proxy must
          // not collect an entry for every one it ever failed to reach.
          setTimeout(() => {
            if (this.conns.get(relayAddr) === entry) this.conns.delete(relayAddr);
          }, hold).unref();
        } else if (this.conns.get(relayAddr) === entry) {
          this.conns.delete(relayAddr);
        }
        this.logger.warn('relay connect failed', { relayAddr, err: err.message, holdMs: this.options.connectRetryHoldMs });
        this.metrics?.dialed('error');
        throw err;
      },
    );
    return entry.connecting;
  }

  private connect(relayAddr: string): Promise<Session> {
    let target: { host: string; port: number };
    try {
      target = parseRelayAddr(relayAddr);
    } catch (err) {
      return Promise.reject(new RelayDialError((err as Error).message, 'ERR_RELAY_CONNECT', { cause: err }));
    }
    return new Promise<Session>((resolve, reject) => {
      const secure = this.options.tls;
      const socket = secure
        ? tls.connect({ ...secure, ...target, servername: secure.servername ?? (net.isIP(target.host) ? undefined : target.host) })
        : net.connect({ ...target, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy(new Error(`connect timed out after ${this.options.connectTimeoutMs} ms`));
      }, this.options.connectTimeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        // A certificate problem is named with the key that fixes it (relay.tls.client.root_cas, …).
        const why = (secure && describeTlsFailure(err, 'relay.tls.client')) || err.message;
        reject(new RelayDialError(`cannot connect to gateway relay ${relayAddr}: ${why}`, 'ERR_RELAY_CONNECT', { cause: err }));
      };
      socket.once('error', onError);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.setNoDelay(true);
        // The connect timer also bounds the handshake: a fake or stuck relay cannot hold a dial.
        relayClientHandshake(socket, { secret: this.options.secret }, 0).then(
          () => {
            clearTimeout(timer);
            socket.off('error', onError);
            resolve(
              new Session(socket, {
                streamOpenTimeout: 0,
                ...this.options.mux,
                client: true,
                logger: this.logger.child({ relayAddr }),
              }),
            );
          },
          (err: Error) => {
            clearTimeout(timer);
            socket.destroy();
            reject(new RelayDialError(`gateway relay ${relayAddr} not authenticated: ${err.message}`, 'ERR_RELAY_AUTH', { cause: err }));
          },
        );
      });
    });
  }

  private drop(relayAddr: string, session: Session): void {
    const conn = this.conns.get(relayAddr);
    if (conn?.session === session) this.conns.delete(relayAddr);
  }
}
