import { once } from 'events';
import * as net from 'net';
import type { Duplex } from 'stream';
import { AbortError, ConnectError, InvalidEndpointIdError, UnauthorizedError } from './errors';
import type { Listener } from './listener';
import { FakeGateway, readAll, recordingLogger } from './testing/fake-gateway';
import { Upstream } from './upstream';

const echo = (stream: Duplex): void => {
  stream.pipe(stream);
};

async function roundTrip(gateway: FakeGateway, endpointId: string, payload: string): Promise<string> {
  const stream = await gateway.openStream(endpointId);
  stream.end(payload);
  return (await readAll(stream)).toString();
}

function waitForAttempts(gateway: FakeGateway, n: number): Promise<void> {
  return new Promise((resolve) => {
    if (gateway.attempts >= n) return resolve();
    const onAttempt = (count: number): void => {
      if (count < n) return;
      gateway.off('attempt', onAttempt);
      resolve();
    };
    gateway.on('attempt', onAttempt);
  });
}

describe('Upstream', () => {
  let gateway: FakeGateway;
  const listeners: Listener[] = [];

  beforeEach(async () => {
    gateway = await FakeGateway.start();
  });

  afterEach(async () => {
    for (const ln of listeners.splice(0)) ln.shutdown();
    await gateway.close();
  });

  function upstream(extra: Partial<ConstructorParameters<typeof Upstream>[0]> = {}): Upstream {
    return new Upstream({ url: gateway.url, minReconnectBackoff: 5, maxReconnectBackoff: 50, ...extra });
  }

  async function listen(up: Upstream, endpointId: string): Promise<Listener> {
    const ln = await up.listen(endpointId);
    listeners.push(ln);
    return ln;
  }

  it('resolves listen() once the gateway accepted the connection, sending the token', async () => {
    const ln = await listen(upstream({ token: 's3cret' }), 'my-endpoint');

    expect(ln.endpointId).toBe('my-endpoint');
    expect(ln.address()).toEqual({ endpointId: 'my-endpoint' });
    expect(ln.connected).toBe(true);
    expect(gateway.connections).toHaveLength(1);
    expect(gateway.connections[0].endpointId).toBe('my-endpoint');
    expect(gateway.connections[0].authorization).toBe('Bearer s3cret');
    expect(gateway.connections[0].tenantId).toBeUndefined();
  });

  it('sends the tenant ID as x-piko-tenant-id when given', async () => {
    await listen(upstream({ token: 's3cret', tenantId: 'team-a' }), 'tenant-endpoint');
    expect(gateway.connections[0]).toMatchObject({ authorization: 'Bearer s3cret', tenantId: 'team-a' });
  });

  it('carries bytes both ways over a stream the gateway opens', async () => {
    const ln = await listen(upstream(), 'echo');
    ln.on('connection', echo);

    expect(await roundTrip(gateway, 'echo', 'hello piko')).toBe('hello piko');
    expect(await roundTrip(gateway, 'echo', 'x'.repeat(1 << 20))).toHaveLength(1 << 20);
  });

  it('queues streams that arrive before anyone listens for connections', async () => {
    const ln = await listen(upstream(), 'late');
    const stream = await gateway.openStream('late');
    stream.write('early');
    stream.end();
    const reply = readAll(stream);
    ln.on('connection', echo);
    expect((await reply).toString()).toBe('early');
  });

  it('reconnects after the gateway drops the connection and keeps serving on the same Listener', async () => {
    const logs = recordingLogger();
    const ln = await listen(upstream({ logger: logs }), 'flaky');
    ln.on('connection', echo);
    expect(await roundTrip(gateway, 'flaky', 'before')).toBe('before');

    const reconnecting = once(ln, 'reconnecting');
    const connected = once(ln, 'connected');
    gateway.dropAll();
    await reconnecting;
    await connected;

    expect(gateway.live('flaky')).toHaveLength(1);
    expect(gateway.connections).toHaveLength(2);
    expect(await roundTrip(gateway, 'flaky', 'after')).toBe('after');
    expect(logs.lines.filter((l) => l.level === 'warn' && l.msg === 'disconnected; reconnecting')).toHaveLength(1);
    expect(logs.lines.filter((l) => l.level === 'info' && l.msg === 'connected')).toHaveLength(2);
  });

  it('reconnects when its connection fails as it opens (a malformed frame right behind the 101)', async () => {
    // Before: the session closed before the listener watched it, and the listener stayed
    // 'connected' to it for good, never reconnecting (found by an attack trial).
    gateway.greeting = Buffer.from('not a yamux frame at all');
    gateway.once('upstream', () => (gateway.greeting = undefined));
    const ln = await listen(upstream(), 'opening');
    ln.on('connection', echo);
    const deadline = Date.now() + 5_000;
    while (gateway.connections.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gateway.connections.length).toBeGreaterThanOrEqual(2);
    expect(await roundTrip(gateway, 'opening', 'served')).toBe('served');
  }, 10_000);

  it('refuses a WebSocket message over 4 MiB (1009) instead of buffering it, and reconnects', async () => {
    // ws's default limit is 100 MiB, buffered whole: a server sending 96 MiB grew the agent by 220 MB.
    gateway.greeting = Buffer.alloc(5 * 1024 * 1024);
    const first = new Promise<number>((resolve) => gateway.once('upstream', (conn) => conn.ws.once('close', (code: number) => resolve(code))));
    gateway.once('upstream', () => (gateway.greeting = undefined));
    const ln = await listen(upstream(), 'big-message');
    ln.on('connection', echo);
    expect(await first).toBe(1009);
    expect(await roundTrip(gateway, 'big-message', 'served')).toBe('served');
  }, 10_000);

  it('retries after a refusal whose body never ends (what came within 5 s is the answer)', async () => {
    // Before: the agent waited for the end of a body trickled one byte a second, for ever.
    let attempts = 0;
    const trickling = net.createServer((socket) => {
      attempts++;
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nbusy');
      const drip = setInterval(() => socket.write('.'), 200);
      socket.once('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => trickling.listen(0, '127.0.0.1', resolve));
    const controller = new AbortController();
    const up = new Upstream({ url: `http://127.0.0.1:${(trickling.address() as net.AddressInfo).port}`, minReconnectBackoff: 5, maxReconnectBackoff: 50 });
    const listening = up.listen('trickled', { signal: controller.signal }).catch((err: unknown) => err);
    const deadline = Date.now() + 12_000;
    while (attempts < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(String(await listening)).toMatch(/503: busy/);
    trickling.close();
  }, 20_000);

  it('reconnects when the gateway sends go-away, letting the old stream finish', async () => {
    const ln = await listen(upstream(), 'drained');
    const first = gateway.connections[0];
    let held: Duplex | undefined;
    ln.on('connection', (stream: Duplex) => {
      if (!held) held = stream;
      else echo(stream);
    });
    const old = await gateway.openStream('drained');
    old.write('x');
    await once(ln, 'connection');

    const connected = once(ln, 'connected');
    void first.session.goAway();
    await connected;
    expect(await roundTrip(gateway, 'drained', 'on the new session')).toBe('on the new session');
    expect(first.session.isClosed).toBe(false);

    // The old session goes once its last stream is done.
    const oldClosed = once(first.session, 'close');
    if (!held) throw new Error('no held stream');
    held.resume();
    held.end('done');
    old.end();
    expect((await readAll(old)).toString()).toBe('done');
    await oldClosed;
  });

  it('after go-away and reconnecting, serves a stream the gateway opened on the old session before reading our own go-away, then closes it', async () => {
    const ln = await listen(upstream(), 'moving');
    ln.on('connection', echo);
    const first = gateway.connections[0];
    const ourGoAway = once(first.session, 'goaway');
    const connected = once(ln, 'connected');
    void first.session.goAway();
    await connected;
    // The listener has sent its own go-away on the old session; the gateway has not read it yet,
    // so this SYN crosses it on the wire. Closing the old session at once would reset it.
    const crossing = first.session.open();
    crossing.end('crossed the go-away');
    expect((await readAll(crossing)).toString()).toBe('crossed the go-away');
    await ourGoAway;
    expect(first.session.remoteGoAway).toBe(true);
    await once(first.session, 'close');
    expect(await roundTrip(gateway, 'moving', 'on the new session')).toBe('on the new session');
  });

  it('close(): serves a stream the gateway opened before it read the go-away, then closes', async () => {
    const ln = await listen(upstream(), 'closing');
    ln.on('connection', echo);
    const { session } = gateway.connections[0];
    const closed = ln.close();
    const crossing = session.open();
    crossing.end('sent before the go-away arrived');
    expect((await readAll(crossing)).toString()).toBe('sent before the go-away arrived');
    await closed;
    expect(session.remoteGoAway).toBe(true);
  });

  it('fails at once with UnauthorizedError on 401, without retrying', async () => {
    gateway.refuseWith = { status: 401, message: 'invalid token' };
    const err = await upstream({ token: 'bad' })
      .listen('secured')
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as UnauthorizedError).status).toBe(401);
    expect((err as UnauthorizedError).code).toBe('PIKO_UNAUTHORIZED');
    expect((err as Error).message).toContain('invalid token');
    expect(gateway.attempts).toBe(1);
  });

  it('does not retry a non-retryable refusal such as 400', async () => {
    gateway.refuseWith = { status: 400, message: 'bad request' };
    const err = await upstream().listen('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).retryable).toBe(false);
    expect(gateway.attempts).toBe(1);
  });

  it('retries 503 with backoff until the signal aborts', async () => {
    gateway.refuseWith = { status: 503, message: 'draining' };
    const logs = recordingLogger();
    const controller = new AbortController();
    const result = upstream({ logger: logs })
      .listen('busy', { signal: controller.signal })
      .catch((e: unknown) => e);

    await waitForAttempts(gateway, 3);
    controller.abort();
    const err = await result;

    expect(err).toBeInstanceOf(AbortError);
    expect(gateway.attempts).toBeGreaterThanOrEqual(3);
    expect(logs.lines.some((l) => l.level === 'warn' && l.msg === 'connect failed; retrying')).toBe(true);
  });

  it('retries until the gateway stops refusing', async () => {
    gateway.refuseWith = { status: 502, message: 'bad gateway' };
    const pending = upstream().listen('eventually');
    await waitForAttempts(gateway, 2);
    gateway.refuseWith = undefined;
    const ln = await pending;
    listeners.push(ln);
    expect(ln.connected).toBe(true);
  });

  it('retries network errors (nothing listening) until aborted', async () => {
    const closed = net.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));

    const controller = new AbortController();
    const logs = recordingLogger();
    const result = new Upstream({ url: `http://127.0.0.1:${port}`, minReconnectBackoff: 5, logger: logs })
      .listen('nobody', { signal: controller.signal })
      .catch((e: unknown) => e);
    await logs.waitFor((l) => l.msg === 'connect failed; retrying', 2);
    controller.abort();
    const err = await result;
    expect(err).toBeInstanceOf(AbortError);
    // Giving up names the URL and the last cause, not just "aborted".
    expect((err as AbortError).message).toBe(
      `connect ws://127.0.0.1:${port}/piko/v1/upstream/nobody: connect ECONNREFUSED 127.0.0.1:${port} (gave up: aborted)`,
    );
  });

  it('a timeout that ends the retries says so', async () => {
    gateway.refuseWith = { status: 503, message: 'draining' };
    const result = upstream().listen('busy', { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    const err = (await result) as AbortError;
    expect(err).toBeInstanceOf(AbortError);
    expect(err.message).toMatch(/^connect ws:\/\/127\.0\.0\.1:\d+\/piko\/v1\/upstream\/busy: (503: draining|no response) \(gave up: timed out\)$/);
  });

  it.each([
    [400, 'missing endpoint id', /not Piko's upstream port: it answered 400 "missing endpoint id" as Piko's proxy port does/],
    [502, 'no available upstreams', /not Piko's upstream port: it answered 502 "no available upstreams" as Piko's proxy port does/],
    [404, 'Not Found', /not Piko's upstream port: it answered 404 "Not Found"/],
  ])('a %i %j (not the upstream port) fails at once, saying so', async (status, message, expected) => {
    gateway.refuseWith = { status, message };
    const err = (await upstream().listen('lost').catch((e: unknown) => e)) as ConnectError;
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.code).toBe('PIKO_WRONG_PORT');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(expected);
    expect(gateway.attempts).toBe(1);
  });

  it('refuses a URL that is not http(s) or ws(s) up front', () => {
    expect(() => new Upstream({ url: 'ftp://piko' })).toThrow(TypeError);
  });

  it('rejects an invalid endpoint id without connecting', async () => {
    await expect(upstream().listen('not valid/id')).rejects.toBeInstanceOf(InvalidEndpointIdError);
    expect(gateway.attempts).toBe(0);
  });

  it('close() sends go-away, lets the in-flight stream finish, then disconnects', async () => {
    const ln = await listen(upstream(), 'graceful');
    const accepted: Duplex[] = [];
    ln.on('connection', (s: Duplex) => accepted.push(s));
    const conn = gateway.connections[0];
    const goAway = once(conn.session, 'goaway');
    const stream = await gateway.openStream('graceful');
    stream.write('request');
    await once(ln, 'connection');

    let closed = false;
    const closing = ln.close().then(() => (closed = true));
    await goAway;
    expect(closed).toBe(false);
    expect(conn.session.isClosed).toBe(false);

    // The application answers after close() was called: the answer still gets through.
    accepted[0].resume();
    accepted[0].end('response');
    stream.end();
    expect((await readAll(stream)).toString()).toBe('response');
    await closing;
    expect(closed).toBe(true);
    await once(conn.session, 'close');
  });

  it('shutdown() resets open streams at once', async () => {
    const ln = await listen(upstream(), 'abrupt');
    ln.on('connection', () => undefined);
    const stream = await gateway.openStream('abrupt');
    stream.write('x');
    await once(ln, 'connection');
    const closeEvent = once(ln, 'close');
    ln.shutdown();
    await closeEvent;
    await expect(readAll(stream)).rejects.toThrow();
  });

  it('emits error and closes when reconnecting hits a 401', async () => {
    const ln = await listen(upstream(), 'revoked');
    gateway.refuseWith = { status: 401, message: 'token revoked' };
    const errored = once(ln, 'error');
    // Not events.once: it would reject on the 'error' event this test expects.
    const closed = new Promise<void>((resolve) => ln.once('close', resolve));
    gateway.dropAll();
    const [err] = await errored;
    expect(err).toBeInstanceOf(UnauthorizedError);
    await closed;
    expect(ln.connected).toBe(false);
  });

  describe('listenAndForward', () => {
    let local: net.Server;
    let localPort: number;

    beforeEach(async () => {
      // Replies only after the client half-closed: proves FIN crosses Piko in both directions.
      local = net.createServer({ allowHalfOpen: true }, (socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => {
          chunks.push(c);
          if (Buffer.concat(chunks).toString() === 'reset-me') socket.resetAndDestroy();
        });
        socket.on('end', () => socket.end(`got:${Buffer.concat(chunks).toString()}`));
        socket.on('error', () => undefined);
      });
      local.listen(0, '127.0.0.1');
      await once(local, 'listening');
      localPort = (local.address() as net.AddressInfo).port;
    });

    afterEach(async () => {
      await new Promise((r) => local.close(r));
    });

    it('forwards each stream to the TCP address with half-close in both directions', async () => {
      const ln = await upstream().listenAndForward('tcp-ep', `127.0.0.1:${localPort}`);
      listeners.push(ln);

      const stream = await gateway.openStream('tcp-ep');
      stream.write('abc');
      stream.end('def');
      expect((await readAll(stream)).toString()).toBe('got:abcdef');
    });

    it('turns a reset from the local service into a stream reset', async () => {
      const ln = await upstream().listenAndForward('tcp-reset', localPort);
      listeners.push(ln);

      const stream = await gateway.openStream('tcp-reset');
      stream.write('reset-me');
      await expect(readAll(stream)).rejects.toMatchObject({ code: 'ECONNRESET' });
    });

    it('resets the stream when the local service refuses the connection', async () => {
      const logs = recordingLogger();
      const refused = net.createServer().listen(0, '127.0.0.1');
      await once(refused, 'listening');
      const port = (refused.address() as net.AddressInfo).port;
      await new Promise((r) => refused.close(r));

      const ln = await upstream({ logger: logs }).listenAndForward('tcp-down', port);
      listeners.push(ln);
      const stream = await gateway.openStream('tcp-down');
      stream.write('x');
      await expect(readAll(stream)).rejects.toThrow();
      expect(logs.lines.some((l) => l.level === 'warn' && l.msg === 'failed to dial upstream')).toBe(true);
    });
  });
});
