import { EventEmitter } from 'events';
import type { Duplex } from 'stream';
import type { Session } from '@piko/protocol';
import { AbortError, ConnectError, ListenerClosedError } from './errors';
import type { Logger } from './logger';
import { ReconnectBackoff } from './reconnect-backoff';

/** How a Listener (re)opens its session; supplied by Upstream. */
export interface ListenerConnector {
  connect(signal: AbortSignal): Promise<Session>;
  url: string;
  minReconnectBackoff: number;
  maxReconnectBackoff: number;
  logger: Logger;
}

type ListenerState = 'connecting' | 'connected' | 'reconnecting' | 'closing' | 'closed';

// A session that dies sooner than this without a go-away counts as a failed connect (flapping).
const HEALTHY_SESSION_MS = 5_000;

/**
 * A net.Server-like listener for one Piko endpoint. Each connection a proxy client makes to the
 * endpoint arrives as a 'connection' event carrying a Duplex (a multiplexed stream over this
 * listener's outbound WebSocket). The listener survives disconnects: it reconnects with backoff
 * and keeps emitting on the same object.
 *
 * Events: 'connection' (Duplex), 'connected', 'reconnecting' (reason?: Error), 'draining' (Session:
 * Piko has read this listener's go-away on it, so it opens no more streams there; a stream kept
 * open for reuse may now be ended when idle without racing a request), 'error' (Error, only when
 * reconnecting became impossible, e.g. the token was revoked), 'close'.
 *
 * Serve HTTP from it with `serveHttp(listener, http.createServer(handler))`, i.e.
 * `listener.on('connection', (s) => server.emit('connection', s))`.
 */
export class Listener extends EventEmitter {
  private state: ListenerState = 'connecting';
  private session: Session | undefined;
  // Sessions the server sent go-away on: kept until their last stream ends, never given new work.
  private readonly draining = new Set<Session>();
  // Drained sessions whose own go-away is answered (see closeDrainedSession): closed once idle.
  private readonly fenced = new WeakSet<Session>();
  // close(): every session's go-away is answered, so no stream can still be on its way to us.
  private closeFenced = false;
  private readonly streamsBySession = new Map<Session, number>();
  private readonly streams = new Set<Duplex>();
  // Streams that arrived before anyone listened for 'connection' (Go's accept queue, in effect).
  private pending: Duplex[] = [];
  private readonly lifetime = new AbortController();
  private readonly backoff: ReconnectBackoff;
  private closePromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private readonly logger: Logger;

  constructor(
    readonly endpointId: string,
    private readonly connector: ListenerConnector,
  ) {
    super();
    this.logger = connector.logger.child({ endpointId });
    this.backoff = new ReconnectBackoff({
      minMs: connector.minReconnectBackoff,
      maxMs: connector.maxReconnectBackoff,
      healthyAfterMs: HEALTHY_SESSION_MS,
    });
    this.on('newListener', (event: string) => {
      if (event === 'connection' && this.pending.length > 0) process.nextTick(() => this.flushPending());
    });
  }

  address(): { endpointId: string } {
    return { endpointId: this.endpointId };
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Number of accepted streams that are still open. */
  get activeConnections(): number {
    return this.streams.size;
  }

  /**
   * Graceful close: tell Piko to send no new streams (go-away), serve the streams it opened
   * before it read that (see Session.goAway: they crossed it on the wire), let open streams
   * finish, then disconnect. Streams the application never ends keep this waiting: call
   * shutdown() after a grace period if that matters.
   */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closePromise = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    this.state = 'closing';
    this.lifetime.abort(new ListenerClosedError());
    for (const stream of this.pending) stream.destroy();
    this.pending = [];
    const sessions = [this.session, ...this.draining].filter((session): session is Session => session !== undefined && !session.isClosed);
    void Promise.all(sessions.map((session) => session.goAway().then(() => this.emit('draining', session)))).then(() => {
      this.closeFenced = true;
      this.finishIfIdle();
    });
    this.logger.info('listener closing', { activeConnections: this.streams.size });
    return this.closePromise;
  }

  /** Closes the connection to Piko now, resetting every open stream. */
  shutdown(): void {
    if (this.state === 'closed') return;
    if (!this.closePromise) {
      this.closePromise = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    }
    this.state = 'closing';
    this.lifetime.abort(new ListenerClosedError());
    for (const stream of [...this.pending, ...this.streams]) stream.destroy();
    this.pending = [];
    this.finish();
  }

  /** @internal Connects the first session; called once by Upstream.listen(). */
  async start(signal?: AbortSignal): Promise<void> {
    const signals = signal ? [signal, this.lifetime.signal] : [this.lifetime.signal];
    try {
      const session = await this.connectWithRetry(AbortSignal.any(signals), false);
      this.attach(session);
    } catch (err) {
      // A listener that never connected has nothing to drain.
      this.state = 'closing';
      this.lifetime.abort();
      this.finish();
      throw err;
    }
  }

  private async connectWithRetry(signal: AbortSignal, waitFirst: boolean): Promise<Session> {
    // The last failure, so that giving up (the signal aborts) names its URL and cause.
    let lastError: Error | undefined;
    if (waitFirst) {
      const attempt = this.backoff.attempt;
      const delay = this.backoff.next();
      this.logger.info('reconnecting', { url: this.connector.url, attempt, backoffMs: Math.round(delay) });
      await sleep(delay, signal);
    }
    for (;;) {
      try {
        return await this.connector.connect(signal);
      } catch (err) {
        if (signal.aborted) throw abortReason(signal, lastError ?? (err instanceof AbortError ? err.lastError : undefined));
        if (!(err instanceof ConnectError) || !err.retryable) {
          this.logger.error('connect failed; non-retryable', { url: this.connector.url, err: String(err) });
          throw err;
        }
        lastError = err;
        const attempt = this.backoff.attempt;
        const delay = this.backoff.next();
        this.logger.warn('connect failed; retrying', {
          url: this.connector.url,
          attempt,
          backoffMs: Math.round(delay),
          err: err.message,
        });
        await sleep(delay, signal, lastError);
      }
    }
  }

  private attach(session: Session): void {
    this.session = session;
    this.backoff.connected();
    this.streamsBySession.set(session, 0);
    this.state = 'connected';
    this.logger.info('connected', { url: this.connector.url });
    session.on('stream', (stream: Duplex) => this.onStream(stream, session));
    const onGoAway = (): void => {
      if (this.session !== session) return;
      // The server is draining this connection: keep it for the streams already on it, and get a
      // fresh one now so the endpoint stays reachable.
      this.session = undefined;
      this.backoff.disconnected(true);
      this.draining.add(session);
      this.closeDrainedSession(session);
      this.reconnect(new Error('server sent go-away'), false);
    };
    const onClose = (err?: Error): void => {
      this.streamsBySession.delete(session);
      this.draining.delete(session);
      if (this.session === session) {
        this.session = undefined;
        this.backoff.disconnected(false);
        this.reconnect(err, true);
      }
      this.finishIfIdle();
    };
    session.once('goaway', onGoAway);
    for (const drained of [...this.draining]) this.closeDrainedSession(drained);
    session.once('close', onClose);
    this.emit('connected');
    // The session reads from the moment the WebSocket opened, a few turns before this: a frame
    // right behind the 101 may already have closed it (a malformed one) or sent go-away. Missed,
    // those left the listener 'connected' to a dead session for good, never reconnecting.
    if (session.isClosed) {
      session.off('goaway', onGoAway);
      session.off('close', onClose);
      onClose(new Error('connection closed as it opened'));
    } else if (session.remoteGoAway) {
      session.off('goaway', onGoAway);
      onGoAway();
    }
  }

  private reconnect(reason: Error | undefined, waitFirst: boolean): void {
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'reconnecting') return;
    this.state = 'reconnecting';
    this.logger.warn('disconnected; reconnecting', { reason: reason?.message ?? 'connection closed' });
    this.emit('reconnecting', reason);
    this.connectWithRetry(this.lifetime.signal, waitFirst).then(
      (session) => {
        if (this.lifetime.signal.aborted) {
          session.close();
          return;
        }
        this.attach(session);
      },
      (err: Error) => {
        if (this.lifetime.signal.aborted) return;
        // Non-retryable (a revoked token, say): the listener cannot recover on its own.
        if (this.listenerCount('error') > 0) this.emit('error', err);
        this.shutdown();
      },
    );
  }

  private onStream(stream: Duplex, session: Session): void {
    // While closing, a stream still arrives only if Piko opened it before it read our go-away.
    if (this.state === 'closed') {
      stream.destroy();
      return;
    }
    this.streams.add(stream);
    this.streamsBySession.set(session, (this.streamsBySession.get(session) ?? 0) + 1);
    stream.once('close', () => {
      this.streams.delete(stream);
      const left = (this.streamsBySession.get(session) ?? 1) - 1;
      if (this.streamsBySession.has(session)) this.streamsBySession.set(session, left);
      this.closeDrainedSession(session);
      this.finishIfIdle();
    });
    if (this.listenerCount('connection') === 0) {
      this.pending.push(stream);
      return;
    }
    this.emit('connection', stream);
  }

  private flushPending(): void {
    const pending = this.pending;
    this.pending = [];
    for (const stream of pending) {
      if (!stream.destroyed) this.emit('connection', stream);
    }
  }

  /**
   * Retires a session the server sent go-away on, once a replacement is connected: until then the
   * gateway may still route a request down it (it is the endpoint's only session there). First
   * our own go-away, so the gateway picks it no more; streams it opened before reading that are
   * still served (Session.goAway); once that is settled and the last stream is done, it closes.
   * Closing at once would reset a request the gateway had just sent down it.
   */
  private closeDrainedSession(session: Session): void {
    if (!this.draining.has(session) || this.session === undefined) return;
    if (!this.fenced.has(session)) {
      if (!session.localGoAwaySent) {
        void session.goAway().then(() => {
          this.fenced.add(session);
          this.emit('draining', session);
          this.closeDrainedSession(session);
        });
      }
      return;
    }
    if ((this.streamsBySession.get(session) ?? 0) === 0) {
      this.draining.delete(session);
      session.close();
    }
  }

  private finishIfIdle(): void {
    if (this.state === 'closing' && this.closeFenced && this.streams.size === 0) this.finish();
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const session of [this.session, ...this.draining]) session?.close();
    this.session = undefined;
    this.draining.clear();
    this.logger.info('listener closed');
    this.resolveClosed?.();
    this.emit('close');
  }
}

function abortReason(signal: AbortSignal, lastError?: Error): Error {
  return signal.reason instanceof ListenerClosedError ? signal.reason : new AbortError(signal.reason, lastError);
}

function sleep(ms: number, signal: AbortSignal, lastError?: Error): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal, lastError));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal, lastError));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
