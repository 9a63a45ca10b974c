import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { GoAwayError, Session, YamuxStream, webSocketDuplex } from '@piko/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import { GoPeerProcess, buildGoPeer, startGoPeer } from './go-peer';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pattern = (n: number) => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
};

function readAll(s: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
    s.resume(); // a 'data' listener alone does not restart a stream that was paused explicitly
  });
}

/** Reads one '\n'-terminated line and leaves the rest of the stream unread. */
function readLine(s: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const i = buf.indexOf(10);
      if (i < 0) return;
      s.off('data', onData);
      s.off('error', reject);
      s.pause();
      if (i + 1 < buf.length) s.unshift(buf.subarray(i + 1));
      resolve(buf.subarray(0, i).toString());
    };
    s.on('data', onData);
    s.once('error', reject);
    s.once('end', () => reject(new Error(`stream ended before a line; got ${JSON.stringify(buf.toString())}`)));
  });
}

/** Serves the stream commands of go/yamuxpeer/main.go; records what each sink received. */
function serveCommands(session: Session, sinks: string[], errors: Error[]): void {
  session.on('stream', async (s: YamuxStream) => {
    s.on('error', (err) => errors.push(err));
    const [cmd, arg] = (await readLine(s)).split(' ');
    switch (cmd) {
      case 'echo':
        s.pipe(s);
        break;
      case 'sink': {
        const data = await readAll(s);
        sinks.push(`${data.length} ${sha256(data)}`);
        s.end(`${data.length} ${sha256(data)}\n`);
        break;
      }
      case 'source':
        s.resume();
        s.end(pattern(Number(arg)));
        break;
      case 'goaway':
        void session.goAway();
        s.write('ok\n');
        s.pipe(s);
        break;
      default:
        errors.push(new Error(`unknown command ${cmd}`));
        s.destroy();
    }
  });
}

/** Our client's checks against a peer serving the command protocol. */
async function runClientChecks(session: Session): Promise<void> {
  // echo, large, both directions at once
  const big = randomBytes(8 * 1024 * 1024);
  const echo = session.open();
  echo.write('echo\n');
  echo.end(big);
  const echoed = await readAll(echo);
  expect(echoed.length).toBe(big.length);
  expect(sha256(echoed)).toBe(sha256(big));

  // sink: we half-close, the peer still answers
  const sinkData = randomBytes(16 * 1024 * 1024 + 3);
  const sink = session.open();
  sink.write('sink\n');
  sink.end(sinkData);
  expect((await readAll(sink)).toString()).toBe(`${sinkData.length} ${sha256(sinkData)}\n`);

  // source: peer to us
  const source = session.open();
  source.end(`source ${16 * 1024 * 1024}\n`);
  expect(sha256(await readAll(source))).toBe(sha256(pattern(16 * 1024 * 1024)));

  // many concurrent streams
  const results = await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const payload = randomBytes(16 * 1024 + i);
      const s = session.open();
      s.write('echo\n');
      s.end(payload);
      return (await readAll(s)).equals(payload);
    }),
  );
  expect(results.filter((ok) => !ok)).toHaveLength(0);

  // go-away: no new streams, the existing one carries on
  const g = session.open();
  const goaway = once(session, 'goaway');
  g.write('goaway\n');
  expect(await readLine(g)).toBe('ok');
  await goaway;
  expect(() => session.open()).toThrow(GoAwayError);
  g.resume();
  g.end('still here');
  expect((await readAll(g)).toString()).toBe('still here');
}

describe.each(['tcp', 'ws'] as const)('yamux interop with Go over %s', (kind) => {
  let binary: string;
  let peer: GoPeerProcess | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    binary = await buildGoPeer();
  }, 180_000);

  afterEach(async () => {
    await peer?.stop();
    peer = undefined;
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('our client <-> Go server: echo, half-close, large transfers, many streams, go-away', async () => {
    peer = startGoPeer(binary, [`${kind}-server`, '-listen', '127.0.0.1:0']);
    const [, addr] = await peer.waitForLine(/^listening (\S+)/);
    let session: Session;
    if (kind === 'tcp') {
      const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
      const sock = net.connect(port, host);
      await once(sock, 'connect');
      session = new Session(sock, { client: true });
    } else {
      const ws = new WebSocket(`ws://${addr}/piko/v1/upstream/interop`);
      await once(ws, 'open');
      session = new Session(webSocketDuplex(ws), { client: true });
    }
    cleanups.push(() => session.close());
    await runClientChecks(session);
    expect(await session.ping()).toBeGreaterThanOrEqual(0);
    expect(session.isClosed).toBe(false);
  }, 120_000);

  it('Go client <-> our server: echo, source, half-close sink, go-away', async () => {
    const sinks: string[] = [];
    const errors: Error[] = [];
    const sessions: Session[] = [];
    let url: string;
    if (kind === 'tcp') {
      const server = net.createServer((sock) => {
        const session = new Session(sock, { client: false });
        sessions.push(session);
        serveCommands(session, sinks, errors);
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
      url = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    } else {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      await once(wss, 'listening');
      wss.on('connection', (ws) => {
        const session = new Session(webSocketDuplex(ws), { client: false });
        sessions.push(session);
        serveCommands(session, sinks, errors);
      });
      cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
      url = `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/piko/v1/upstream/interop`;
    }
    cleanups.push(() => sessions.forEach((s) => s.close()));

    const streams = 16;
    peer = startGoPeer(binary, [
      `${kind}-client`,
      kind === 'tcp' ? '-addr' : '-url',
      url,
      '-streams',
      String(streams),
      '-bytes',
      String(2 * 1024 * 1024),
      '-checks',
      'echo,source,sink,goaway',
    ]);
    const code = await peer.exited;
    const output = peer.lines.join('\n');
    expect({ code, output, stderr: peer.stderr() }).toMatchObject({ code: 0 });
    expect(peer.lines).toEqual(expect.arrayContaining(['ok echo', 'ok source', 'ok sink', 'ok goaway', 'done']));
    // What Go says it sent on each half-closed sink stream is exactly what we received.
    const sent = peer.lines.filter((l) => l.startsWith('sink sent ')).map((l) => l.slice('sink sent '.length));
    expect(sent).toHaveLength(streams);
    await waitFor(() => sinks.length === streams);
    expect([...sinks].sort()).toEqual([...sent].sort());
    expect(errors).toEqual([]);
  }, 120_000);
});

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}
