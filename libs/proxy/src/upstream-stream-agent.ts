import type { ClientRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpstreamChoice } from './upstream-dialer';

/** What HttpForwarder puts in a request's options for this agent (Node passes them through). */
export interface StreamRequestOptions {
  /** The chosen upstream (UpstreamChoice.key): the pool idle streams are kept in. */
  upstreamKey: string;
  /** Opens a new stream to it (UpstreamChoice.open). */
  openStream: UpstreamChoice['open'];
}

/**
 * Opening a stream failed (the upstream went away, is at its stream limit, the relay refused):
 * `cause` is what UpstreamDialer.dial would have rejected with, or undefined for "no upstream".
 * Nothing of the request left the proxy.
 */
export class StreamDialError extends Error {
  constructor(readonly dialCause: unknown) {
    super(dialCause instanceof Error ? dialCause.message : 'no available upstreams');
    this.name = 'StreamDialError';
  }
}

const IDLE_SINCE = Symbol('idleSince');
const POOL_KEY = Symbol('poolKey');

/**
 * Set on a stream that may carry one request only, though it was opened for reuse: a relay stream
 * a gateway from before kept relay streams spliced onto one upstream stream (see
 * ClusterUpstreamDialer.choose). It is closed after its response instead of being kept.
 */
export const SINGLE_REQUEST = Symbol('singleRequest');

type PooledStream = Duplex & {
  /** performance.now() when it became idle; undefined while it carries a request. */
  [IDLE_SINCE]?: number;
  /** The upstream key (StreamRequestOptions.upstreamKey) it was opened for. */
  [POOL_KEY]: string;
  [SINGLE_REQUEST]?: true;
  /** Node's client: the request the stream carries (null between requests). */
  _httpMessage?: (ClientRequest & { shouldKeepAlive: boolean }) | null;
  session?: StreamSession;
  remoteClosed?: boolean;
};

/** The yamux session a stream runs on (YamuxStream.session), structurally. */
interface StreamSession {
  readonly remoteGoAway: boolean;
  readonly isClosed: boolean;
  once(event: 'goaway' | 'close', listener: () => void): unknown;
}

/**
 * Keeps idle streams to each upstream for the next request. Node's client (ClientRequest) takes
 * any object with `addRequest` as its agent; this is one, pooled by upstream (the chosen
 * upstream's key) instead of host:port, whose "connections" are multiplexed streams. It replaces
 * Node's keep-alive `http.Agent` (which this class extended until issue 9's CPU work) because that
 * Agent's per-request bookkeeping (an options copy, the TLS server name worked out from the Host
 * header, in-use arrays searched with indexOf, an 'error' listener added and removed per request)
 * was ~3 % of the proxy's CPU and none of it applies to streams.
 *
 * A request whose upstream has an idle stream takes it (most recently used first, so a pool
 * larger than the load shrinks by idle timeout); otherwise a new stream is opened. Node's client
 * decides when a stream is free again (it emits 'free' on it, exactly as for its own Agent): the
 * response complete, the request sent whole, and neither side said `Connection: close`. Anything
 * else (an error, an abort, a timeout, a response cut short) destroys the stream, so a stream is
 * reused only between two whole exchanges and never carries a half-read response.
 *
 * `maxIdlePerUpstream` bounds the idle streams per upstream (a freed one beyond it is closed);
 * `idleTimeoutMs` closes a stream idle that long (checked every idleTimeoutMs / 2). An idle
 * stream the agent ends (FIN: its listener closing, a go-away) is destroyed at once.
 *
 * A session the agent said go-away on (it is moving or closing) gets no reused stream: its idle
 * streams are closed here the moment the go-away is read, and busy ones are not kept once free.
 * The agent ends idle streams itself only after we have read that go-away (Listener 'draining'),
 * so an idle stream is never ended under a request we are sending down it. (Relay streams run
 * on the proxy's session to a gateway: that session's go-away, a gateway draining, does the same.)
 */
export class UpstreamStreamAgent {
  /** Read by Node's ClientRequest: send `Connection: keep-alive` and keep the stream for reuse. */
  readonly keepAlive = true;
  /** Idle streams per upstream key, most recently freed last. */
  private readonly idle = new Map<string, PooledStream[]>();
  /** Every stream open through this agent, idle or busy (close() destroys them all, as Agent.destroy did). */
  private readonly open = new Set<PooledStream>();
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly bySession = new WeakMap<StreamSession, Set<PooledStream>>();

  constructor(
    private readonly maxIdlePerUpstream: number,
    private readonly idleTimeoutMs: number,
  ) {
    if (idleTimeoutMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(idleTimeoutMs / 2, 100));
      this.sweeper.unref();
    }
  }

  /**
   * Called by Node's ClientRequest with the request's options (StreamRequestOptions among them):
   * gives the request the upstream's most recent idle stream (`reusedSocket` set, which
   * HttpForwarder reads for the keep-alive race) or a new one. A stream whose FIN was read but
   * whose 'end' is still queued (a gateway ended a batch of kept relay streams at once, and a
   * retry runs between their ends) is never handed out. A stream that could not be opened fails
   * the request with a StreamDialError.
   */
  addRequest(req: ClientRequest, options: object): void {
    const { upstreamKey, openStream } = options as StreamRequestOptions;
    const free = this.idle.get(upstreamKey);
    while (free && free.length > 0) {
      const stream = free.pop() as PooledStream;
      if (free.length === 0) this.idle.delete(upstreamKey);
      stream[IDLE_SINCE] = undefined;
      if (stream.destroyed) continue;
      if (stream.remoteClosed) {
        stream.destroy();
        continue;
      }
      req.reusedSocket = true;
      req.onSocket(stream as never);
      return;
    }
    // Node's own Agent fails a request this way too (onSocket with an error, no socket).
    const client = req as unknown as { onSocket(stream: Duplex | undefined, err?: Error): void };
    openStream().then(
      (stream) => {
        if (!stream) return client.onSocket(undefined, new StreamDialError(undefined));
        client.onSocket(this.adopt(stream as PooledStream, upstreamKey));
      },
      (err: unknown) => client.onSocket(undefined, new StreamDialError(err)),
    );
  }

  /** A new stream: the listeners it keeps for its whole life (none are added per request). */
  private adopt(stream: PooledStream, upstreamKey: string): PooledStream {
    stream[POOL_KEY] = upstreamKey;
    this.open.add(stream);
    // Node's client says the exchange is over and the stream may be reused.
    stream.on('free', () => this.onFree(stream));
    // Ended by the agent while idle: never hand it out again. (In use, Node's client handles the end.)
    stream.on('end', () => {
      if (!stream._httpMessage) stream.destroy();
    });
    // An error while idle (in use, Node's client has its own listener): the stream is done.
    stream.on('error', () => {
      if (!stream._httpMessage) stream.destroy();
    });
    stream.once('close', () => {
      this.open.delete(stream);
      if (stream[IDLE_SINCE] !== undefined) this.removeIdle(stream);
    });
    this.retireWithSession(stream);
    return stream;
  }

  /**
   * Node's client emitted 'free' (the exchange is whole, or the request was destroyed before it
   * got the stream): keep the stream idle if it may carry another request, otherwise destroy it.
   */
  private onFree(stream: PooledStream): void {
    const req = stream._httpMessage;
    if (!stream.writable || !req || !req.shouldKeepAlive || !this.mayKeep(stream)) return void stream.destroy();
    let free = this.idle.get(stream[POOL_KEY]);
    if (!free) this.idle.set(stream[POOL_KEY], (free = []));
    if (free.length >= this.maxIdlePerUpstream) return void stream.destroy();
    stream._httpMessage = null;
    stream[IDLE_SINCE] = performance.now();
    free.push(stream);
  }

  /** Whether a freed stream may be kept: not ended or closing, not single-request, its session not going away. */
  private mayKeep(stream: PooledStream): boolean {
    if (stream.readableEnded || stream.remoteClosed || stream.destroyed || stream[SINGLE_REQUEST]) return false;
    return !(stream.session && (stream.session.remoteGoAway || stream.session.isClosed));
  }

  private removeIdle(stream: PooledStream): void {
    stream[IDLE_SINCE] = undefined;
    const free = this.idle.get(stream[POOL_KEY]);
    if (!free) return;
    const index = free.indexOf(stream);
    if (index !== -1) free.splice(index, 1);
    if (free.length === 0) this.idle.delete(stream[POOL_KEY]);
  }

  /** Watches the stream's session (one listener per session): on go-away its idle streams close. */
  private retireWithSession(stream: PooledStream): void {
    const session = stream.session;
    if (!session) return;
    let streams = this.bySession.get(session);
    if (!streams) {
      const tracked = new Set<PooledStream>();
      this.bySession.set(session, (streams = tracked));
      session.once('goaway', () => {
        for (const s of tracked) if (s[IDLE_SINCE] !== undefined && !s.destroyed) this.closeIdle(s);
      });
      session.once('close', () => this.bySession.delete(session));
    }
    streams.add(stream);
    stream.once('close', () => streams.delete(stream));
  }

  /** Takes an idle stream out of the pool and ends it gracefully. */
  private closeIdle(stream: PooledStream): void {
    this.removeIdle(stream);
    stream.end();
  }

  /** Destroys every stream (idle or busy) and stops the sweeper. */
  close(): void {
    clearInterval(this.sweeper);
    for (const stream of [...this.open]) stream.destroy();
    this.idle.clear();
  }

  /** Closes streams idle for idleTimeoutMs or longer. */
  private sweep(): void {
    const deadline = performance.now() - this.idleTimeoutMs;
    for (const streams of [...this.idle.values()]) {
      for (const stream of [...streams]) {
        const since = stream[IDLE_SINCE];
        if (since === undefined || since > deadline) continue;
        this.closeIdle(stream);
      }
    }
  }
}
