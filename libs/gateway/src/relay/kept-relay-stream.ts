import type { Duplex } from 'node:stream';
import { EndpointBusyError, Http1Framer } from '@piko/protocol';
import type { Logger } from '@piko/observability';

/** The gateway's upstreams as a kept relay stream uses them (UpstreamPool, structurally). */
export interface KeptStreamUpstreams {
  /**
   * A new stream to a usable upstream of the endpoint (round robin), or undefined; throws
   * EndpointBusyError. `countRequest: false`: opened ahead of a request, not counted as one.
   */
  dial(endpointId: string, options: { countRequest: boolean }): Duplex | undefined;
  /** True while the endpoint has an upstream here that takes new streams (not closed, no go-away). */
  hasUsable(endpointId: string): boolean;
  /** How many upstreams of the endpoint here take new streams (not closed, no go-away). */
  usableCount(endpointId: string): number;
  /** One more request went to the upstream whose session `session` is, on a stream already open (the per-upstream request count). */
  countRequest(endpointId: string, session: unknown): void;
}

/** The yamux session an upstream stream runs on (YamuxStream.session), structurally. */
interface UpstreamSession {
  readonly remoteGoAway: boolean;
  readonly isClosed: boolean;
  once(event: 'goaway' | 'close', listener: () => void): unknown;
}

type UpstreamStream = Duplex & { session?: UpstreamSession };

/**
 * A response head line is the service's; bounded only to keep one line in memory (Go's Transport
 * reads a 1 MiB head). Requests come from the proxy, whose heads are bounded by its own limit.
 */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Watches upstream sessions once each for the kept relay streams bound to their streams: a
 * session's go-away or close retires every binding on it (one listener per session, not one per
 * relay stream: thousands of relay streams may share one agent's session).
 */
export class UpstreamSessionWatch {
  private readonly bound = new WeakMap<UpstreamSession, Set<KeptRelayStream>>();

  bind(session: UpstreamSession, kept: KeptRelayStream): void {
    let set = this.bound.get(session);
    if (!set) {
      const created = new Set<KeptRelayStream>();
      this.bound.set(session, (set = created));
      const retire = (): void => {
        for (const k of [...created]) k.upstreamRetired(session);
      };
      session.once('goaway', retire);
      session.once('close', () => {
        retire();
        this.bound.delete(session);
      });
    }
    set.add(kept);
  }

  unbind(session: UpstreamSession, kept: KeptRelayStream): void {
    this.bound.get(session)?.delete(kept);
  }
}

/**
 * One relay stream the proxy keeps (relay flag KEEP_ALIVE, answered ACCEPTED_KEEP_ALIVE): HTTP/1.1
 * requests one after another, each routed here on its own. The gateway frames the requests it
 * reads (Http1Framer) and the responses it relays, so it knows when the stream is between two
 * exchanges. It sends requests on an upstream stream it holds for the relay stream and, between
 * exchanges, takes a new one (round robin) as soon as that upstream can take no more: its session
 * said go-away or closed, or the stream ended (an upstream moving between gateways, a rolling
 * update). So the proxy's reuse does not depend on any one upstream: it never sees a move. Load
 * balancing stays per request, as Go Piko's: while the endpoint has more than one usable upstream
 * here, each request that starts between exchanges is sent on a stream to the pool's next pick
 * (round robin), and the previous upstream stream is ended; with one upstream the stream is kept.
 *
 * The ends it gives the proxy keep one promise (the relay header's ACCEPTED_KEEP_ALIVE): a FIN
 * only where no byte of an unanswered request went to an upstream, so a request the proxy sent
 * on a kept stream that then ends without a response byte was never seen by a service. That is:
 *  - between exchanges, when the endpoint has no usable upstream left here, the stream is ended
 *    at once (the proxy drops it from its pool; no request waits for it), and a request that
 *    crossed that FIN is not forwarded (refused: nothing of it leaves the gateway);
 *  - a response that runs until the upstream closes (no length) ends with a FIN after its bytes;
 *  - anything else cut short (an upstream stream ended or reset mid-exchange, framing the
 *    gateway cannot follow) resets the relay stream, as a transparent splice would fail it.
 * Upgrades and CONNECT never come this way (the proxy opens a stream of its own for them); a
 * `101` or a CONNECT's 2xx on a kept stream resets it.
 *
 * The proxy never pipelines (Node's client sends a stream's next request after the response), so
 * a request that begins before the previous response ended goes to the same upstream stream; if
 * that one is retiring by then, the relay stream is reset rather than re-ordered.
 */
export class KeptRelayStream {
  private upstream: UpstreamStream | undefined;
  private readonly requests: Http1Framer;
  private readonly responses: Http1Framer;
  /** Methods of requests whose response has not ended, oldest first (HEAD and CONNECT frame their response). */
  private readonly methods: string[] = [];
  /** Bytes of a request not yet answered went to an upstream (reset to false between exchanges). */
  private forwarded = false;
  /** Bytes of the current response went to the proxy. */
  private responded = false;
  /** The relay stream is on its way out: nothing more goes to any upstream. */
  private ending = false;
  /** The proxy half-closed: the stream ends after the current exchange. */
  private relayEnded = false;
  /** Requests the bound upstream stream has carried. */
  private carried = 0;
  /** Requests this relay stream has carried. */
  private relayRequests = 0;
  /** Opening the bound upstream stream counted its first request (UpstreamPool.dial). */
  private openCounted = true;
  private done = false;

  constructor(
    private readonly relay: Duplex,
    private readonly endpointId: string,
    private readonly upstreams: KeptStreamUpstreams,
    private readonly watch: UpstreamSessionWatch,
    private readonly logger: Logger,
    private readonly onDone: (err?: Error) => void,
    /** The gateway is draining: end between exchanges. */
    private readonly draining: () => boolean,
    first: Duplex,
  ) {
    this.requests = new Http1Framer('request', MAX_LINE_BYTES, {
      startLine: (line) => this.onRequestStart(line),
      headEnd: () => undefined,
      // A response that came before its request's end: the exchange is over once both are.
      messageEnd: () => {
        if (this.methods.length === 0) this.exchangeDone();
      },
      data: (bytes) => this.toUpstream(bytes),
      lost: (reason) => this.fail(new Error(`request framing lost: ${reason}`)),
    });
    this.responses = new Http1Framer(
      'response',
      MAX_LINE_BYTES,
      {
        startLine: () => undefined,
        headEnd: () => undefined,
        messageEnd: () => this.onResponseEnd(),
        lost: (reason) => this.fail(new Error(`response framing lost: ${reason}`)),
      },
      () => this.methods[0] ?? '',
    );
    this.bind(first, true);
    relay.on('data', (chunk: Buffer) => this.onRelayData(chunk));
    relay.once('end', () => this.onRelayEnd());
    relay.on('error', (err: Error) => {
      if (!this.ending) this.fail(err);
    });
    relay.once('close', () => {
      // Once ending, the proxy may answer our FIN with a reset (it drops the stream): no failure.
      if (this.ending || (relay.readableEnded && relay.writableFinished)) this.finish();
      else this.fail(new Error('relay stream closed'));
    });
    relay.on('drain', () => this.upstream?.resume());
  }

  /**
   * The gateway drains (after the relay session's go-away fence): an idle stream ends now, a busy
   * one after its exchange. Not one yet to carry its first request: the proxy may have read the
   * go-away after it opened the stream and before it sent that request, which then arrives after
   * the fence; it is served, and the stream ends after its response.
   */
  drain(): void {
    if (this.idle && this.relayRequests > 0) this.endRelay();
  }

  /** @internal UpstreamSessionWatch: the session of a bound upstream stream said go-away or closed. */
  upstreamRetired(session: UpstreamSession): void {
    if (this.upstream?.session !== session) return;
    // Mid-exchange, the response finishes first (the agent serves what it read before its go-away).
    if (this.idle) this.retireUpstream();
  }

  /** Between exchanges: no request byte waits for an answer. */
  private get idle(): boolean {
    return this.methods.length === 0 && !this.forwarded && this.requests.atMessageBoundary;
  }

  private bind(stream: UpstreamStream, openCounted: boolean): void {
    this.upstream = stream;
    this.carried = 0;
    this.openCounted = openCounted;
    if (stream.session) this.watch.bind(stream.session, this);
    stream.on('data', (chunk: Buffer) => this.onUpstreamData(stream, chunk));
    stream.once('end', () => this.onUpstreamEnd(stream));
    stream.on('error', (err: Error) => this.onUpstreamGone(stream, err));
    stream.once('close', () => this.onUpstreamGone(stream));
    stream.on('drain', () => {
      if (stream === this.upstream) this.relay.resume();
    });
    // Paused for the previous upstream stream's backpressure: this one has none yet.
    if (this.relay.isPaused()) this.relay.resume();
  }

  /** Lets go of the bound upstream stream (ended gracefully if it still can be). */
  private unbind(): void {
    const stream = this.upstream;
    if (!stream) return;
    this.upstream = undefined;
    if (stream.session) this.watch.unbind(stream.session, this);
    if (!stream.destroyed && !stream.writableEnded) stream.end();
    // Its FIN may never come (an agent gone): no need to wait for it, the binding is over.
    if (!stream.destroyed && stream.readableEnded) stream.destroy();
  }

  /** Whether the bound upstream stream may carry another request. */
  private get upstreamUsable(): boolean {
    const stream = this.upstream;
    if (!stream || stream.destroyed || stream.readableEnded || stream.writableEnded) return false;
    const session = stream.session;
    return !session || (!session.remoteGoAway && !session.isClosed);
  }

  /**
   * Between exchanges, the bound upstream can take no more: the relay stream is bound to another
   * upstream of the endpoint now, so that an open idle kept stream is always bound to a usable
   * upstream and watched; when the endpoint has none left here it is ended (a FIN: the proxy
   * drops it from its pool before it would send a request down it, or the request crosses the
   * FIN and is refused). Except a relay stream yet to carry its first request: the proxy opened
   * it for a request that is on its way, and a fresh upstream stream serves that one whatever
   * its session said since (see canCarryFirst); it is kept until that request is answered.
   */
  private retireUpstream(): void {
    const next = this.openUpstream(false);
    if (next) {
      this.unbind();
      return this.bind(next, false);
    }
    if (this.relayRequests === 0 && this.canCarryFirst) return;
    this.unbind();
    this.logger.debug('kept relay stream ended: no upstream left for the endpoint', { endpointId: this.endpointId });
    this.endRelay();
  }

  /**
   * The bound upstream stream has carried no request yet and is still open on a live session:
   * an agent serves the first request of every stream it accepted, also after its go-away (it
   * ends idle streams only once they carried one: that stream was opened for a request on its
   * way), and a session that said go-away accepted this stream before it did.
   */
  private get canCarryFirst(): boolean {
    const stream = this.upstream;
    if (!stream || this.carried > 0 || stream.destroyed || stream.readableEnded || stream.writableEnded) return false;
    return !stream.session?.isClosed;
  }

  /** A new upstream stream for the endpoint, or undefined when none can take one (none usable, all busy). */
  private openUpstream(countRequest: boolean): Duplex | undefined {
    if (!this.upstreams.hasUsable(this.endpointId)) return undefined;
    try {
      return this.upstreams.dial(this.endpointId, { countRequest });
    } catch (err) {
      if (!(err instanceof EndpointBusyError)) throw err;
      return undefined;
    }
  }

  // ---- proxy → upstream ---------------------------------------------------------------------

  private onRelayData(chunk: Buffer): void {
    if (this.ending || this.done) return;
    this.requests.push(chunk);
  }

  private onRequestStart(line: Buffer): undefined {
    if (this.ending) return undefined;
    const space = line.indexOf(0x20);
    const method = line.toString('latin1', 0, space === -1 ? line.length : space);
    this.relayRequests++;
    if (this.rebalances) {
      // Per-request load balancing: the pool's next pick; the bound stream if none can take it.
      const next = this.openUpstream(true);
      if (next) {
        this.unbind();
        this.bind(next, true);
      } else {
        this.countOnBound();
      }
    } else if (this.upstreamUsable && this.upstream) {
      this.countOnBound();
    } else if (this.methods.length > 0 || this.forwarded) {
      // A pipelined request behind a response from an upstream that is going away: never re-ordered.
      this.fail(new Error('pipelined request on a retiring upstream stream'));
      return undefined;
    } else {
      // Also while draining: the proxy sent this before it read the relay session's go-away.
      const next = this.openUpstream(true);
      if (next) {
        this.unbind();
        this.bind(next, true);
      } else if (this.canCarryFirst) {
        this.countOnBound();
      } else {
        // Refused: not a byte of this request goes anywhere, so the FIN tells the proxy so.
        this.unbind();
        this.logger.debug('kept relay stream refused a request: no upstream left for the endpoint', { endpointId: this.endpointId });
        this.endRelay();
        return undefined;
      }
    }
    this.carried++;
    this.methods.push(method);
    return undefined;
  }

  /**
   * A request starting between exchanges goes to the pool's next pick rather than the bound
   * upstream: the bound one is usable, has carried a request already (a fresh binding was itself
   * the pool's pick) and the endpoint has others here. Never for a request behind an unanswered
   * one (pipelined: it must follow on the same upstream stream).
   */
  private get rebalances(): boolean {
    if (this.carried === 0 || this.methods.length > 0 || this.forwarded || !this.upstreamUsable) return false;
    return this.upstreams.usableCount(this.endpointId) > 1;
  }

  /** Counts the request about to go on the bound stream, unless opening it counted it. */
  private countOnBound(): void {
    const session = this.upstream?.session;
    if ((this.carried > 0 || !this.openCounted) && session) this.upstreams.countRequest(this.endpointId, session);
  }

  private toUpstream(bytes: Buffer): void {
    const upstream = this.upstream;
    if (this.ending || !upstream || bytes.length === 0) return;
    this.forwarded = true;
    if (!upstream.write(bytes)) this.relay.pause();
  }

  private onRelayEnd(): void {
    this.relayEnded = true;
    if (!this.idle) {
      // Half-close passes on; the stream ends after the response.
      if (this.upstream && !this.upstream.writableEnded) this.upstream.end();
      return;
    }
    this.endRelay();
  }

  // ---- upstream → proxy ---------------------------------------------------------------------

  private onUpstreamData(stream: UpstreamStream, chunk: Buffer): void {
    if (stream !== this.upstream || this.done) return;
    this.responded = true;
    if (!this.relay.write(chunk)) stream.pause();
    this.responses.push(chunk);
  }

  private onResponseEnd(): void {
    this.methods.shift();
    // 101 or a CONNECT's 2xx: the proxy never asks for one on a kept stream.
    if (this.responses.tunnel) return this.fail(new Error('protocol switch on a kept relay stream'));
    if (this.methods.length === 0 && this.requests.atMessageBoundary) this.exchangeDone();
  }

  /** The last request and its response are both complete: the stream is between exchanges. */
  private exchangeDone(): void {
    if (this.done || this.ending) return;
    this.forwarded = false;
    this.responded = false;
    if (this.relayEnded || this.draining()) return this.endRelay();
    if (!this.upstreamUsable) this.retireUpstream();
  }

  private onUpstreamEnd(stream: UpstreamStream): void {
    if (stream !== this.upstream) return;
    if (this.responses.untilClose) {
      // A response without a length ends here; the proxy knows it cannot reuse the stream.
      this.responses.end();
      return this.endRelay();
    }
    if (this.idle) return this.retireUpstream();
    this.fail(new Error('upstream stream ended mid-exchange'));
  }

  private onUpstreamGone(stream: UpstreamStream, err?: Error): void {
    if (stream !== this.upstream || this.done) return;
    if (!err && stream.readableEnded && stream.writableFinished) return; // a clean close: 'end' did the work
    if (this.idle) return this.retireUpstream();
    this.fail(err ?? new Error('upstream stream reset'));
  }

  // ---- ends ---------------------------------------------------------------------------------

  /**
   * Ends the relay stream toward the proxy, keeping the promise a FIN makes: no byte of an
   * unanswered request reached an upstream. Where that cannot be said, a reset instead.
   */
  private endRelay(): void {
    if (this.done) return;
    if (this.forwarded && !this.responded) return this.fail(new Error('relay stream ended before a response'));
    this.ending = true;
    this.unbind();
    if (!this.relay.writableEnded) this.relay.end();
    // The proxy's FIN may already be in (it closed an idle stream): then both halves are done.
    if (this.relay.readableEnded) this.finish();
    else this.relay.resume(); // whatever crosses the FIN is read and dropped
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.logger.debug('kept relay stream reset', { endpointId: this.endpointId, err: err.message });
    this.ending = true;
    this.upstream?.destroy();
    this.relay.destroy();
    this.finish(err);
  }

  private finish(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.ending = true;
    this.unbind();
    this.onDone(err);
  }
}
