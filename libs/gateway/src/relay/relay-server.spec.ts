import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { Registry } from 'prom-client';
import net from 'node:net';
import { encodeRelayRequest, RelayHandshakeStatus, RelayStatus, type EndpointProtocol, type YamuxStream } from '@piko/protocol';
import { UpstreamPool } from '../upstream-pool';
import { RelayServer } from './relay-server';
import { TEST_RELAY_SECRET, TestRelayPeer, TestUpstream, echo, silentLogger } from './testing/relay-test-peers';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Reads a stream's readable side to its end. Not `for await`: the async iterator destroys the
 * stream when it ends, which would reset a duplex whose writable side is still in use.
 */
function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

describe('RelayServer', () => {
  let pool: UpstreamPool;
  let registry: Registry;
  let server: RelayServer;
  let port: number;
  const upstreams: TestUpstream[] = [];
  const peers: TestRelayPeer[] = [];

  async function upstream(endpointId: string, handler: (s: YamuxStream) => void = echo, protocol?: EndpointProtocol): Promise<TestUpstream> {
    const u = await TestUpstream.connect(pool, endpointId, handler, protocol);
    upstreams.push(u);
    return u;
  }

  /** Replaces the server with one at these `relay.max_handshakes` / `_per_address` limits (a fresh metrics registry). */
  async function restartWithHandshakeLimits(maxHandshakes: number, maxHandshakesPerAddress: number): Promise<void> {
    await server.close();
    registry = new Registry();
    server = new RelayServer(pool, { host: '127.0.0.1', port: 0, headerTimeoutMs: 5_000, maxHandshakes, maxHandshakesPerAddress, secret: TEST_RELAY_SECRET }, silentLogger, registry);
    port = (await server.listen()).port;
  }

  /** A TCP connection to the relay port that sends nothing, from `localAddress` (default 127.0.0.1). */
  async function connect(localAddress?: string): Promise<net.Socket> {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    return socket;
  }

  async function peer(): Promise<TestRelayPeer> {
    const p = await TestRelayPeer.connect(port);
    peers.push(p);
    return p;
  }

  async function streamsTotal(result: string): Promise<number> {
    const metric = await registry.getSingleMetric('piko_relay_server_streams_total')?.get();
    return metric?.values.find((v) => v.labels.result === result)?.value ?? 0;
  }

  beforeEach(async () => {
    pool = new UpstreamPool();
    registry = new Registry();
    server = new RelayServer(pool, { host: '127.0.0.1', port: 0, headerTimeoutMs: 5_000, secret: TEST_RELAY_SECRET }, silentLogger, registry);
    port = (await server.listen()).port;
  });

  afterEach(async () => {
    for (const p of peers.splice(0)) p.close();
    await server.close();
    for (const u of upstreams.splice(0)) await u.close();
  });

  it('accepts a stream for a local upstream and splices it: echo through relay and upstream', async () => {
    const u = await upstream('my-service');
    const p = await peer();
    const { status, stream } = await p.request('my-service');
    expect(status).toBe(RelayStatus.Accepted);
    stream.end('hello through the relay');
    expect((await readAll(stream)).toString()).toBe('hello through the relay');
    expect(u.streams).toHaveLength(1);
    expect(await streamsTotal('accepted')).toBe(1);
  });

  it('refuses with NO_UPSTREAM when no upstream has the endpoint, and no stream reaches any upstream', async () => {
    const other = await upstream('other-service');
    const p = await peer();
    const { status, stream } = await p.request('missing-service');
    expect(status).toBe(RelayStatus.NoUpstream);
    // The gateway half-closed after the status: the stream ends with nothing more.
    expect((await readAll(stream)).length).toBe(0);
    await other.settle(); // any SYN sent to the upstream before now has been processed
    expect(other.streams).toHaveLength(0);
    expect(await streamsTotal('no_upstream')).toBe(1);
    expect(server.activeStreams).toBe(0);
  });

  it('refuses a raw TCP stream (RAW_TCP flag) for an endpoint whose upstreams all declared http with HTTP_ONLY; nothing reaches them', async () => {
    const web = await upstream('web', echo, 'http');
    const p = await peer();
    const raw = await p.request('web', encodeRelayRequest('web', { rawTcp: true }));
    expect(raw.status).toBe(RelayStatus.HttpOnly);
    expect((await readAll(raw.stream)).length).toBe(0);
    expect(await streamsTotal('http_only')).toBe(1);
    // The same endpoint's HTTP streams (version 1 header) are accepted.
    const http = await p.request('web');
    expect(http.status).toBe(RelayStatus.Accepted);
    http.stream.end('GET / HTTP/1.1\r\n\r\n');
    expect((await readAll(http.stream)).toString()).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(web.streams).toHaveLength(1);
    // An upstream that declared tcp (or nothing, as Go Piko's) takes raw streams.
    const db = await upstream('web', echo, 'tcp');
    const again = await p.request('web', encodeRelayRequest('web', { rawTcp: true }));
    expect(again.status).toBe(RelayStatus.Accepted);
    again.stream.end('raw');
    expect((await readAll(again.stream)).toString()).toBe('raw');
    expect([web.streams.length, db.streams.length]).toEqual([1, 1]);
    // With no upstream at all it stays NO_UPSTREAM.
    expect((await p.request('none', encodeRelayRequest('none', { rawTcp: true }))).status).toBe(RelayStatus.NoUpstream);
  });

  it('refuses a bad version and an invalid endpoint ID with BAD_REQUEST', async () => {
    const u = await upstream('my-service');
    const p = await peer();
    const badVersion = Buffer.from([7, 0, 10, ...Buffer.from('my-service')]);
    expect((await p.request('my-service', badVersion)).status).toBe(RelayStatus.BadRequest);
    expect((await p.request('bad id!')).status).toBe(RelayStatus.BadRequest);
    expect((await p.request('')).status).toBe(RelayStatus.BadRequest);
    await u.settle();
    expect(u.streams).toHaveLength(0);
    expect(await streamsTotal('bad_request')).toBe(3);
  });

  it('refuses a connection that skips the handshake or proves the wrong secret: nothing reaches an upstream', async () => {
    const u = await upstream('my-service');
    // A hand-written yamux client, as in the finding: a SYN and data for stream 1 straight away.
    const raw = net.connect(port, '127.0.0.1');
    await once(raw, 'connect');
    const header = Buffer.concat([Buffer.from([1, 0, 10]), Buffer.from('my-service')]);
    const syn = Buffer.alloc(12);
    syn.writeUInt8(0, 0); // version
    syn.writeUInt8(0, 1); // type DATA
    syn.writeUInt16BE(1, 2); // flags SYN
    syn.writeUInt32BE(1, 4); // stream 1
    syn.writeUInt32BE(header.length, 8);
    raw.write(Buffer.concat([syn, header, Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
    const answer: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => answer.push(chunk));
    await once(raw, 'close');
    expect(Buffer.concat(answer)[0]).toBe(RelayHandshakeStatus.BadHello);

    await expect(TestRelayPeer.connect(port, Buffer.from('another-cluster-secret'))).rejects.toMatchObject({ code: 'ERR_RELAY_AUTH_PROOF' });

    await u.settle();
    expect(u.streams).toHaveLength(0);
    // The proxy side checks the gateway's proof first and hangs up: the gateway counts an error.
    const byReason = async () => {
      const failures = await registry.getSingleMetric('piko_relay_server_handshake_failures_total')?.get();
      return Object.fromEntries(failures?.values.map((v) => [v.labels.reason, v.value]) ?? []) as Record<string, number>;
    };
    // Every reason is exported from the start (at 0): wait for the two refusals to be counted.
    const counted = async () => Object.values(await byReason()).reduce((a, b) => a + b, 0);
    while ((await counted()) < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await byReason()).toEqual({ bad_hello: 1, error: 1, method: 0, proof: 0, overload: 0 });
  });

  it('with every handshake slot held by idle connections, a proxy still gets through: the longest waiting is evicted', async () => {
    await restartWithHandshakeLimits(3, 16);
    await upstream('my-service');
    // Connections that never send a hello: before, they held all of relay.max_handshakes until
    // header_timeout, and every proxy that had to connect was refused (renewed, for ever).
    const silent = [await connect(), await connect(), await connect()];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const firstClosed = once(silent[0], 'close');
    const { status } = await (await peer()).request('my-service');
    expect(status).toBe(RelayStatus.Accepted);
    await firstClosed;
    expect(silent.slice(1).every((s) => !s.destroyed)).toBe(true);
    const failures = await registry.getSingleMetric('piko_relay_server_handshake_failures_total')?.get();
    expect(failures?.values.find((v) => v.labels.reason === 'overload')?.value).toBe(1);
    for (const s of silent) s.destroy();
  });

  it('at relay.max_handshakes_per_address, a newcomer evicts the longest waiting of its own address; other addresses keep theirs', async () => {
    await restartWithHandshakeLimits(10, 2);
    await upstream('my-service');
    // Another loopback address (Linux routes all of 127/8 to lo) is another client.
    const other = await connect('127.0.0.2');
    const held = [await connect(), await connect()];
    const firstClosed = once(held[0], 'close');
    const third = await connect();
    await firstClosed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([held[1], third, other].every((s) => !s.destroyed)).toBe(true);
    const failures = await registry.getSingleMetric('piko_relay_server_handshake_failures_total')?.get();
    expect(failures?.values.find((v) => v.labels.reason === 'overload')?.value).toBe(1);
    // A proxy from the crowded address still gets through (it evicts that address's oldest).
    const { status } = await (await peer()).request('my-service');
    expect(status).toBe(RelayStatus.Accepted);
    for (const s of [held[1], third, other]) s.destroy();
  });

  it('cannot be built without a secret or mutual TLS', () => {
    expect(() => new RelayServer(pool, { host: '127.0.0.1', port: 0, headerTimeoutMs: 5_000 }, silentLogger)).toThrow(/secret or mutual TLS/);
  });

  it('resets a stream whose header never comes', async () => {
    await server.close();
    // The same timeout bounds the connection's handshake, which must still succeed on a loaded machine.
    server = new RelayServer(pool, { host: '127.0.0.1', port: 0, headerTimeoutMs: 1_000, secret: TEST_RELAY_SECRET }, silentLogger);
    port = (await server.listen()).port;
    const p = await peer();
    const stream = p.session.open();
    const [err] = (await once(stream, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNRESET');
  });

  it('draining: refuses new streams with DRAINING while an accepted one carries on to its end', async () => {
    const u = await upstream('my-service');
    const p = await peer();
    const first = await p.request('my-service');
    expect(first.status).toBe(RelayStatus.Accepted);
    first.stream.write('before drain, ');

    server.stopAccepting();
    const refused = await p.request('my-service');
    expect(refused.status).toBe(RelayStatus.Draining);

    const drained = server.drain(Date.now() + 30_000);
    first.stream.end('after drain');
    expect((await readAll(first.stream)).toString()).toBe('before drain, after drain');
    await drained; // resolves because the last accepted stream finished
    expect(server.activeStreams).toBe(0);
    expect(u.streams).toHaveLength(1);
    expect(await streamsTotal('draining')).toBe(1);
  });

  it('drain cuts streams still open at the deadline', async () => {
    await upstream('my-service', (s) => {
      s.on('error', () => undefined);
      s.resume(); // never answers
    });
    const p = await peer();
    const { stream } = await p.request('my-service');
    const failed = once(stream, 'close');
    await server.drain(Date.now() + 50);
    await failed;
    expect(stream.destroyed).toBe(true);
  });

  // 8 MiB is 32 stream windows on each of the two hops: backpressure is exercised many times over
  // (64 MiB took over 5 s on two loaded cores and proved no more).
  it('carries 8 MiB through relay and upstream intact, with backpressure', async () => {
    await upstream('bulk', (s) => {
      const hash = createHash('sha256');
      let n = 0;
      s.on('data', (c: Buffer) => {
        n += c.length;
        hash.update(c);
      });
      s.on('end', () => s.end(`${n} ${hash.digest('hex')}`));
      s.on('error', () => undefined);
    });
    const p = await peer();
    const { status, stream } = await p.request('bulk');
    expect(status).toBe(RelayStatus.Accepted);
    const data = randomBytes(8 * 1024 * 1024);
    const reply = readAll(stream);
    for (let off = 0; off < data.length; off += 1 << 20) {
      if (!stream.write(data.subarray(off, off + (1 << 20)))) await once(stream, 'drain');
    }
    stream.end();
    expect((await reply).toString()).toBe(`${data.length} ${sha256(data)}`);
  });

  it('carries 8 MiB from the upstream back to the proxy intact', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    await upstream('download', (s) => {
      s.on('error', () => undefined);
      s.resume();
      s.on('end', () => s.end(data));
    });
    const p = await peer();
    const { stream } = await p.request('download');
    stream.end();
    expect(sha256(await readAll(stream))).toBe(sha256(data));
  });

  it('propagates half-close both ways: the upstream still answers after the proxy side ended', async () => {
    const upstreamSaw = new Promise<string>((resolve) => {
      void upstream('half-close', (s) => {
        s.on('error', () => undefined);
        void readAll(s).then((request) => {
          // The proxy's FIN arrived (the read ended), and this side can still write.
          s.write('got: ');
          s.end(request);
          resolve(request.toString());
        });
      });
    });
    const p = await peer();
    const { stream } = await p.request('half-close');
    stream.end('request body');
    expect(await upstreamSaw).toBe('request body');
    expect((await readAll(stream)).toString()).toBe('got: request body');
    // Both FINs crossed the splice: every stream on the way closes cleanly, none is left open.
    while (server.activeStreams > 0 || p.session.numStreams > 0) await new Promise((r) => setImmediate(r));
    expect(stream.destroyed && !stream.errored).toBe(true);
  });

  it('propagates a reset from the proxy side to the upstream and from the upstream to the proxy side', async () => {
    let agentStream: YamuxStream | undefined;
    const arrived = new Promise<YamuxStream>((resolve) => {
      void upstream('resets', (s) => {
        agentStream = s;
        s.resume();
        resolve(s);
      });
    });
    const p = await peer();
    const first = await p.request('resets');
    first.stream.write('x');
    const a = await arrived;
    const agentErr = once(a, 'error') as Promise<[NodeJS.ErrnoException]>;
    first.stream.destroy();
    expect((await agentErr)[0].code).toBe('ECONNRESET');

    const second = await p.request('resets');
    second.stream.write('y');
    while (agentStream === a) await new Promise((r) => setImmediate(r));
    const proxyErr = once(second.stream, 'error') as Promise<[NodeJS.ErrnoException]>;
    (agentStream as Duplex).destroy();
    expect((await proxyErr)[0].code).toBe('ECONNRESET');
  });

  it('serves many concurrent streams on one relay session, round robin over two upstreams', async () => {
    const a = await upstream('shared');
    const b = await upstream('shared');
    const p = await peer();
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const { status, stream } = await p.request('shared');
        const payload = randomBytes(8 * 1024 + i);
        stream.end(payload);
        return status === RelayStatus.Accepted && (await readAll(stream)).equals(payload);
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    expect(a.streams.length + b.streams.length).toBe(100);
    expect(a.streams.length).toBe(50);
  });
});
