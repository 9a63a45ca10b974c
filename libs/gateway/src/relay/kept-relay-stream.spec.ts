import { EventEmitter, once } from 'node:events';
import { Duplex } from 'node:stream';
import { encodeRelayRequest, RelayStatus, type YamuxStream } from '@piko/protocol';
import { UpstreamPool } from '../upstream-pool';
import { KeptRelayStream, UpstreamSessionWatch } from './kept-relay-stream';
import { RelayServer } from './relay-server';
import { TEST_RELAY_SECRET, TestRelayPeer, TestUpstream, silentLogger } from './testing/relay-test-peers';

/**
 * A minimal HTTP/1.1 service on each upstream stream the gateway opens: answers every bodyless
 * request with `<name> stream <n> request <m>`, keeping the stream open (keep-alive). Records
 * every byte it read, so a test can say whether a request reached it.
 */
function httpUpstream(name: string, received: string[]) {
  let streams = 0;
  return (stream: YamuxStream): void => {
    const id = ++streams;
    let buffered = '';
    let answered = 0;
    stream.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => {
      received.push(chunk.toString('latin1'));
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        buffered = buffered.slice(end + 4);
        const body = `${name} stream ${id} request ${++answered}`;
        stream.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
    stream.on('end', () => stream.end());
  };
}

/** Sends one GET on a kept relay stream and reads its response (Content-Length framed). */
async function get(stream: Duplex, path = '/'): Promise<string> {
  stream.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  let text = '';
  for (;;) {
    const [chunk] = (await once(stream, 'data')) as [Buffer];
    text += chunk.toString('latin1');
    const head = text.indexOf('\r\n\r\n');
    const length = Number(/Content-Length: (\d+)/.exec(text)?.[1] ?? -1);
    if (head !== -1 && length >= 0 && text.length >= head + 4 + length) return text.slice(head + 4, head + 4 + length);
  }
}

/** How a stream's readable side ended: 'end' (a FIN, with the bytes read before it) or 'error'. */
function outcome(stream: Duplex): Promise<{ how: 'end' | 'error'; bytes: string }> {
  return new Promise((resolve) => {
    let bytes = '';
    stream.on('data', (c: Buffer) => (bytes += c.toString('latin1')));
    stream.once('end', () => resolve({ how: 'end', bytes }));
    stream.once('error', () => resolve({ how: 'error', bytes }));
  });
}

describe('KeptRelayStream (RelayServer, KEEP_ALIVE streams)', () => {
  let pool: UpstreamPool;
  let server: RelayServer;
  let port: number;
  const upstreams: TestUpstream[] = [];
  const peers: TestRelayPeer[] = [];

  async function upstream(endpointId: string, name: string, received: string[] = []): Promise<TestUpstream> {
    const u = await TestUpstream.connect(pool, endpointId, httpUpstream(name, received));
    upstreams.push(u);
    return u;
  }

  async function kept(endpointId: string): Promise<{ peer: TestRelayPeer; stream: Duplex }> {
    const peer = await TestRelayPeer.connect(port);
    peers.push(peer);
    const { status, stream } = await peer.request(endpointId, encodeRelayRequest(endpointId, { keepAlive: true }));
    expect(status).toBe(RelayStatus.AcceptedKeepAlive);
    return { peer, stream };
  }

  beforeEach(async () => {
    pool = new UpstreamPool();
    server = new RelayServer(pool, { host: '127.0.0.1', port: 0, headerTimeoutMs: 5_000, secret: TEST_RELAY_SECRET }, silentLogger);
    port = (await server.listen()).port;
  });

  afterEach(async () => {
    for (const p of peers.splice(0)) p.close();
    await server.close();
    for (const u of upstreams.splice(0)) await u.close();
  });

  it('carries request after request on one relay stream and one upstream stream, counting each request', async () => {
    const u = await upstream('svc', 'a');
    const { stream } = await kept('svc');
    expect(await get(stream)).toBe('a stream 1 request 1');
    expect(await get(stream)).toBe('a stream 1 request 2');
    expect(await get(stream)).toBe('a stream 1 request 3');
    expect(u.streams).toHaveLength(1);
    expect(pool.connections()[0].requestsSent).toBe(3);
  });

  it('balances request by request over the endpoint\'s upstreams here, as Go Piko does (round robin)', async () => {
    const a = await upstream('svc', 'a');
    const b = await upstream('svc', 'b');
    const { stream } = await kept('svc');
    const answers = [await get(stream), await get(stream), await get(stream), await get(stream)];
    const served = answers.map((answer) => answer.split(' ')[0]);
    expect(new Set(served)).toEqual(new Set(['a', 'b']));
    for (let i = 1; i < served.length; i++) expect(served[i]).not.toBe(served[i - 1]);
    expect(a.streams.length + b.streams.length).toBe(4);
    expect(pool.connections().map((c) => c.requestsSent)).toEqual([2, 2]);
  });

  it('a stream without KEEP_ALIVE is still spliced and answered ACCEPTED (one request per stream)', async () => {
    await upstream('svc', 'a');
    const peer = await TestRelayPeer.connect(port);
    peers.push(peer);
    const { status } = await peer.request('svc');
    expect(status).toBe(RelayStatus.Accepted);
  });

  it('sends the next request to another upstream once its own said go-away: the proxy never sees the move', async () => {
    const a = await upstream('svc', 'a');
    const { stream } = await kept('svc');
    expect(await get(stream)).toBe('a stream 1 request 1');
    await upstream('svc', 'b');
    const goaway = once(a.gatewaySide, 'goaway');
    void a.agent.goAway();
    await goaway;
    // The idle upstream stream to `a` is ended by the gateway (its client), not by the agent.
    await once(a.streams[0], 'end');
    expect(await get(stream)).toBe('b stream 1 request 1');
    expect(await get(stream)).toBe('b stream 1 request 2');
  });

  it('ends an idle kept stream with a FIN when the endpoint has no upstream left, and forwards nothing that crosses it', async () => {
    const received: string[] = [];
    const a = await upstream('svc', 'a', received);
    const { stream } = await kept('svc');
    expect(await get(stream)).toBe('a stream 1 request 1');
    const ended = outcome(stream);
    const goaway = once(a.gatewaySide, 'goaway');
    void a.agent.goAway();
    await goaway;
    // A request sent as the FIN travels back (the keep-alive race): the gateway drops it unread.
    stream.write('GET /crossed HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await ended).toEqual({ how: 'end', bytes: '' });
    await a.settle();
    expect(received.join('')).not.toContain('/crossed');
  });

  it('resets the relay stream when the upstream stream is reset mid-exchange (never a FIN without a response)', async () => {
    const u = await TestUpstream.connect(pool, 'svc', (s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.destroy());
    });
    upstreams.push(u);
    const { stream } = await kept('svc');
    const ended = outcome(stream);
    stream.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await ended).how).toBe('error');
  });

  it('drain: the proxy is told go-away on the relay session, then the idle kept stream ends (a FIN) and the drain completes', async () => {
    await upstream('svc', 'a');
    const { peer, stream } = await kept('svc');
    expect(await get(stream)).toBe('a stream 1 request 1');
    const goaway = once(peer.session, 'goaway');
    const ended = outcome(stream);
    const drained = server.drain(Date.now() + 5_000);
    await goaway;
    expect(await ended).toEqual({ how: 'end', bytes: '' });
    stream.end();
    await drained;
    expect(server.activeStreams).toBe(0);
  });

  it('drain: a kept stream yet to carry its first request is not ended; its request is served, then it ends', async () => {
    await upstream('svc', 'a');
    const { peer, stream } = await kept('svc');
    const goaway = once(peer.session, 'goaway');
    const drained = server.drain(Date.now() + 10_000);
    await goaway;
    // The fence: a ping round trip after the go-away, so the gateway has acted on it by now.
    await peer.session.ping();
    await new Promise(setImmediate);
    expect((stream as YamuxStream).remoteClosed).toBe(false);
    const ended = outcome(stream);
    expect(await get(stream)).toBe('a stream 1 request 1');
    expect((await ended).how).toBe('end');
    stream.end();
    await drained;
  });
});

/** One side of a stream, held in memory: what was written to it, and whether it was ended. */
class MemoryStream extends Duplex {
  readonly written: Buffer[] = [];
  session?: EventEmitter & { remoteGoAway: boolean; isClosed: boolean };
  override _read(): void {
    // Bytes are pushed by the test.
  }
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.written.push(chunk);
    callback();
  }
  text(): string {
    return Buffer.concat(this.written).toString('latin1');
  }
}

describe('KeptRelayStream, the refusal', () => {
  it('refuses a request whose bound upstream went away unannounced when none is left: a FIN, and not a byte of it forwarded', async () => {
    const session = Object.assign(new EventEmitter(), { remoteGoAway: false, isClosed: false });
    const upstream = new MemoryStream();
    upstream.session = session;
    const relay = new MemoryStream();
    let usable = true;
    const dials: boolean[] = [];
    let done: Error | undefined | 'not yet' = 'not yet';
    new KeptRelayStream(
      relay,
      'svc',
      {
        dial: (_id, { countRequest }) => {
          dials.push(countRequest);
          return undefined;
        },
        hasUsable: () => usable,
        usableCount: () => (usable ? 1 : 0),
        countRequest: () => undefined,
      },
      new UpstreamSessionWatch(),
      { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => undefined as never },
      (err) => (done = err),
      () => false,
      upstream,
    );
    relay.push('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise(setImmediate);
    expect(upstream.text()).toBe('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    upstream.push('HTTP/1.1 204 No Content\r\n\r\n');
    await new Promise(setImmediate);
    expect(relay.text()).toBe('HTTP/1.1 204 No Content\r\n\r\n');
    // The upstream's session is gone, but no event said so yet; nor is any other upstream left.
    session.remoteGoAway = true;
    usable = false;
    relay.push('POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi');
    await new Promise(setImmediate);
    expect(upstream.text()).not.toContain('/second');
    expect(relay.writableEnded).toBe(true);
    expect(relay.destroyed).toBe(false);
    relay.push(null);
    await new Promise(setImmediate);
    expect(done).toBeUndefined();
    expect(dials).toEqual([]);
  });
});

describe('KeptRelayStream, the first request', () => {
  it('is sent on the upstream stream opened for it even when that upstream said go-away meanwhile and no other is left', async () => {
    const session = Object.assign(new EventEmitter(), { remoteGoAway: false, isClosed: false });
    const upstream = new MemoryStream();
    upstream.session = session;
    const relay = new MemoryStream();
    const watch = new UpstreamSessionWatch();
    new KeptRelayStream(
      relay,
      'svc',
      { dial: () => undefined, hasUsable: () => false, usableCount: () => 0, countRequest: () => undefined },
      watch,
      { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => undefined as never },
      () => undefined,
      () => false,
      upstream,
    );
    // The agent's go-away arrives before the request the proxy opened the stream for.
    session.remoteGoAway = true;
    session.emit('goaway');
    expect(relay.writableEnded).toBe(false);
    relay.push('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise(setImmediate);
    expect(upstream.text()).toBe('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    upstream.push('HTTP/1.1 204 No Content\r\n\r\n');
    await new Promise(setImmediate);
    // Answered; then the stream ends (no upstream left here), with a FIN.
    expect(relay.text()).toBe('HTTP/1.1 204 No Content\r\n\r\n');
    expect(relay.writableEnded).toBe(true);
    expect(relay.destroyed).toBe(false);
  });
});
