import { Agent, type ClientRequest } from 'node:http';
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

/**
 * Set on a stream that may carry one request only, though it was opened for reuse: a relay stream
 * a gateway from before kept relay streams spliced onto one upstream stream (see
 * ClusterUpstreamDialer.choose). It is closed after its response instead of being kept.
 */
export const SINGLE_REQUEST = Symbol('singleRequest');

type PooledStream = Duplex & { [IDLE_SINCE]?: number; [SINGLE_REQUEST]?: true; _httpMessage?: unknown; session?: StreamSession; remoteClosed?: boolean };

/** The yamux session a stream runs on (YamuxStream.session), structurally. */
interface StreamSession {
  readonly remoteGoAway: boolean;
  readonly isClosed: boolean;
  once(event: 'goaway' | 'close', listener: () => void): unknown;
}

/**
 * Keeps idle streams to each upstream for the next request: Node's keep-alive Agent, pooled by
 * upstream (`getName` is the chosen upstream's key) instead of host:port, whose "connections"
 * are multiplexed streams. A request whose upstream has an idle stream takes it (most recently
 * used first, so a pool larger than the load shrinks by idle timeout); otherwise a new stream is
 * opened. Node's client decides when a stream is free again: the response complete, the request
 * sent whole, and neither side said `Connection: close`. Anything else (an error, an abort, a
 * timeout, a response cut short) destroys the stream, so a stream is reused only between two whole
 * exchanges and never carries a half-read response.
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
export class UpstreamStreamAgent extends Agent {
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly bySession = new WeakMap<StreamSession, Set<PooledStream>>();

  constructor(
    maxIdlePerUpstream: number,
    private readonly idleTimeoutMs: number,
  ) {
    super({ keepAlive: true, maxFreeSockets: maxIdlePerUpstream, scheduling: 'lifo' });
    if (idleTimeoutMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(idleTimeoutMs / 2, 100));
      this.sweeper.unref();
    }
  }

  override getName(options: object): string {
    return (options as StreamRequestOptions).upstreamKey;
  }

  // Node's Agent calls createConnection(options, callback) and waits for the callback when it returns nothing.
  override createConnection(options: object, callback: (err: Error | null, stream?: Duplex) => void): undefined {
    (options as StreamRequestOptions).openStream().then(
      (stream) => {
        if (!stream) return callback(new StreamDialError(undefined));
        const pooled = stream as PooledStream & { ref?: () => void; unref?: () => void };
        // Node's Agent refs and unrefs sockets; a stream holds no handle of its own.
        pooled.ref = noop;
        pooled.unref = noop;
        // Ended by the agent while idle: never hand it out again. (In use, Node's client handles the end.)
        stream.on('end', () => {
          if (!pooled._httpMessage) stream.destroy();
        });
        this.retireWithSession(pooled);
        callback(null, stream);
      },
      (err: unknown) => callback(new StreamDialError(err)),
    );
    return undefined;
  }

  /**
   * Node's Agent hands a request the most recent idle stream, skipping only destroyed ones. A
   * stream whose FIN was read but whose 'end' is still queued (a gateway ended a batch of kept
   * relay streams at once, and a retry runs between their ends) must not be it: such streams are
   * taken out of the pool first.
   */
  addRequest(req: ClientRequest, options: object): void {
    const free = this.freeSockets[this.getName(options)] as PooledStream[] | undefined;
    if (free) {
      for (const stream of [...free]) {
        if (!stream.remoteClosed) continue;
        stream.emit('agentRemove');
        stream.destroy();
      }
    }
    (Agent.prototype as unknown as { addRequest(req: ClientRequest, options: object): void }).addRequest.call(this, req, options);
  }

  override keepSocketAlive(socket: Duplex): boolean {
    const pooled = socket as PooledStream;
    if (pooled.readableEnded || pooled.remoteClosed || pooled.destroyed || pooled[SINGLE_REQUEST]) return false;
    if (pooled.session && (pooled.session.remoteGoAway || pooled.session.isClosed)) return false;
    pooled[IDLE_SINCE] = performance.now();
    return true;
  }

  override reuseSocket(socket: Duplex, req: ClientRequest): void {
    (socket as PooledStream)[IDLE_SINCE] = undefined;
    super.reuseSocket(socket as never, req);
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
        for (const s of tracked) if (!s._httpMessage && !s.destroyed) this.closeIdle(s);
      });
      session.once('close', () => this.bySession.delete(session));
    }
    streams.add(stream);
    stream.once('close', () => streams.delete(stream));
  }

  /** Takes an idle stream out of the pool and ends it. */
  private closeIdle(stream: PooledStream): void {
    // Out of the pool first (Node's Agent listens for this), then a graceful end.
    stream.emit('agentRemove');
    stream.end();
  }

  /** Closes every idle stream and stops the sweeper. */
  close(): void {
    clearInterval(this.sweeper);
    this.destroy();
  }

  /** Closes streams idle for idleTimeoutMs or longer. */
  private sweep(): void {
    const deadline = performance.now() - this.idleTimeoutMs;
    for (const streams of Object.values(this.freeSockets)) {
      for (const stream of [...(streams ?? [])] as PooledStream[]) {
        const since = stream[IDLE_SINCE];
        if (since === undefined || since > deadline) continue;
        this.closeIdle(stream);
      }
    }
  }
}

function noop(): void {
  // Nothing to ref or unref: a stream has no handle of its own.
}
