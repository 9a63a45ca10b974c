// The relay link end to end with the real pieces on both sides: proxy's ClusterUpstreamDialer and
// RelayClient → gateway's RelayServer → UpstreamPool → an upstream's yamux session (over TCP) →
// a tiny HTTP responder or a checksum sink. Lives in tests/ because it combines the proxy and
// gateway scopes, which libs may not.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { RelayServer, UpstreamPool, type UpstreamConnection } from '@piko/gateway';
import type { Logger } from '@piko/observability';
import { Session, type YamuxStream } from '@piko/protocol';
import { ClusterUpstreamDialer, DEFAULT_RELAY_CLIENT_OPTIONS, RelayClient, type GatewayRoute } from '@piko/proxy';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };
/** The relay link's shared secret of these in-process gateways and proxies. */
const RELAY_SECRET = randomBytes(32);

function readAll(stream: Duplex | IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** A gateway's relay side: its pool, its RelayServer, and upstreams connected the way an agent is. */
class Gateway {
  /** Streams the gateway opened to its upstreams' agents. */
  readonly agentStreams: YamuxStream[] = [];
  private readonly cleanups: Array<() => void> = [];
  private relayAddr = '';

  private constructor(
    private readonly name: string,
    readonly pool: UpstreamPool,
    readonly relay: RelayServer,
  ) {}

  static async start(name: string, port = 0): Promise<Gateway> {
    const pool = new UpstreamPool();
    const relay = new RelayServer(pool, { host: '127.0.0.1', port, headerTimeoutMs: 5_000, secret: RELAY_SECRET, mux: { keepAliveInterval: 0 } }, silent);
    const started = new Gateway(name, pool, relay);
    started.relayAddr = `127.0.0.1:${(await relay.listen()).port}`;
    return started;
  }

  route(count: number): GatewayRoute {
    return { nodeId: this.name, relayAddr: this.relayAddr, count };
  }

  get port(): number {
    return Number(this.relayAddr.split(':')[1]);
  }

  /** A yamux session pair over TCP: the gateway side in the pool, the agent side answering with `handler`. */
  async connectUpstream(endpointId: string, handler: (s: YamuxStream) => void): Promise<void> {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const agentSocket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const [gatewaySocket] = await accepted;
    server.close();
    const agent = new Session(agentSocket, { client: true, keepAliveInterval: 0 });
    const gatewaySide = new Session(gatewaySocket, { client: false, keepAliveInterval: 0 });
    agent.on('stream', (s: YamuxStream) => {
      this.agentStreams.push(s);
      s.on('error', () => undefined);
      handler(s);
    });
    const connection: UpstreamConnection = { id: endpointId, endpointId, remoteAddr: 'test', connectedAt: new Date(), session: gatewaySide };
    this.pool.add(connection);
    this.cleanups.push(() => {
      this.pool.remove(connection);
      agent.close();
      gatewaySide.close();
    });
  }

  async close(): Promise<void> {
    await this.relay.close();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

function httpResponder(s: YamuxStream): void {
  let head = '';
  s.on('data', (c: Buffer) => {
    head += c.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    const path = head.split(' ')[1];
    s.end(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${path.length + 4}\r\nconnection: close\r\n\r\nyou ${path}`);
  });
}

describe('relay link: ClusterUpstreamDialer → RelayClient → RelayServer → UpstreamPool → upstream', () => {
  const gateways: Gateway[] = [];
  let client: RelayClient;

  beforeEach(() => {
    client = new RelayClient({ ...DEFAULT_RELAY_CLIENT_OPTIONS, secret: RELAY_SECRET, mux: { keepAliveInterval: 0 } }, silent);
  });
  afterEach(async () => {
    client.close();
    for (const g of gateways.splice(0)) await g.close();
  });

  it('a stale route is refused before any byte reaches an upstream; the request succeeds on the next gateway', async () => {
    const stale = await Gateway.start('stale');
    const live = await Gateway.start('live');
    gateways.push(stale, live);
    await stale.connectUpstream('other-service', httpResponder);
    await live.connectUpstream('my-service', httpResponder);
    // random() = 0 always picks the first candidate: the stale gateway is tried first.
    const dialer = new ClusterUpstreamDialer({ routes: () => [stale.route(5), live.route(1)] }, client, silent, () => 0);
    const stream = await dialer.dial('my-service');
    expect(stream).toBeDefined();
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ path: '/hello', headers: { host: 'my-service' }, createConnection: () => stream as never }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    expect((await readAll(res)).toString()).toBe('you /hello');
    expect(stale.agentStreams).toHaveLength(0);
    expect(live.agentStreams).toHaveLength(1);
  });

  it('carries 64 MiB with a matching checksum', async () => {
    const gw = await Gateway.start('gw');
    gateways.push(gw);
    await gw.connectUpstream('bulk', (s) => {
      const hash = createHash('sha256');
      let n = 0;
      s.on('data', (c: Buffer) => {
        n += c.length;
        hash.update(c);
      });
      s.on('end', () => s.end(`${n} ${hash.digest('hex')}`));
    });
    const stream = (await new ClusterUpstreamDialer({ routes: () => [gw.route(1)] }, client, silent).dial('bulk'))!;
    const data = randomBytes(64 * 1024 * 1024);
    const reply = readAll(stream);
    for (let off = 0; off < data.length; off += 1 << 20) {
      if (!stream.write(data.subarray(off, off + (1 << 20)))) await once(stream, 'drain');
    }
    stream.end();
    expect((await reply).toString()).toBe(`${data.length} ${createHash('sha256').update(data).digest('hex')}`);
  }, 60_000);

  it('reconnects to a gateway that restarted on the same address', async () => {
    const first = await Gateway.start('gw');
    await first.connectUpstream('ep', (s) => s.pipe(s));
    const route = first.route(1);
    const port = first.port;
    const dialer = new ClusterUpstreamDialer({ routes: () => [route] }, client, silent);
    (await dialer.dial('ep'))!.destroy();
    await first.close();

    const second = await Gateway.start('gw', port);
    gateways.push(second);
    await second.connectUpstream('ep', (s) => s.pipe(s));
    const stream = (await dialer.dial('ep'))!;
    stream.end('again');
    expect((await readAll(stream)).toString()).toBe('again');
  });
});
