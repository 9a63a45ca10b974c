// Test-only helpers (not exported from the lib): real loopback peers around a RelayServer.
import { once } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import {
  RelayStatus,
  Session,
  encodeRelayRequest,
  readRelayResponse,
  relayClientHandshake,
  type EndpointProtocol,
  type YamuxStream,
} from '@piko/protocol';
import type { Logger } from '@piko/observability';
import type { UpstreamConnection, UpstreamPool } from '../../upstream-pool';

/** The relay secret of the test RelayServers and peers. */
export const TEST_RELAY_SECRET = Buffer.from('test-relay-secret-0123456789');

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** A connected TCP socket pair on 127.0.0.1. */
export async function socketPair(): Promise<{ a: net.Socket; b: net.Socket; close(): Promise<void> }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const a = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(a, 'connect');
  const [b] = await accepted;
  return {
    a,
    b,
    close: async () => {
      a.destroy();
      b.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * An upstream (the agent's side) connected to the pool the way a real one is: a yamux session
 * pair over TCP, the gateway side (server) in the pool, the agent side (client) answering the
 * streams the gateway opens with `handler`.
 */
export class TestUpstream {
  /** Streams the gateway opened to this upstream. */
  readonly streams: YamuxStream[] = [];

  private constructor(
    readonly agent: Session,
    readonly gatewaySide: Session,
    private readonly connection: UpstreamConnection,
    private readonly pool: UpstreamPool,
    private readonly closeSockets: () => Promise<void>,
  ) {}

  static async connect(pool: UpstreamPool, endpointId: string, handler: (stream: YamuxStream) => void, protocol?: EndpointProtocol): Promise<TestUpstream> {
    const pair = await socketPair();
    const agent = new Session(pair.a, { client: true, keepAliveInterval: 0 });
    const gatewaySide = new Session(pair.b, { client: false, keepAliveInterval: 0 });
    const connection: UpstreamConnection = {
      id: `test-${endpointId}`,
      endpointId,
      remoteAddr: '127.0.0.1:0',
      connectedAt: new Date(),
      session: gatewaySide,
      protocol,
    };
    const upstream = new TestUpstream(agent, gatewaySide, connection, pool, pair.close);
    agent.on('stream', (stream: YamuxStream) => {
      upstream.streams.push(stream);
      handler(stream);
    });
    pool.add(connection);
    return upstream;
  }

  /** Resolves once every frame sent to the agent before now was processed (a ping round trip). */
  async settle(): Promise<void> {
    await this.gatewaySide.ping();
  }

  async close(): Promise<void> {
    this.pool.remove(this.connection);
    this.agent.close();
    this.gatewaySide.close();
    await this.closeSockets();
  }
}

/** Echoes a stream back, half-close included. */
export function echo(stream: YamuxStream): void {
  stream.on('error', () => undefined);
  stream.pipe(stream);
}

/** A minimal proxy-side peer: one relay session, raw header exchange. */
export class TestRelayPeer {
  private constructor(
    readonly session: Session,
    private readonly socket: net.Socket,
  ) {}

  /** Connects and proves `secret` (default TEST_RELAY_SECRET); rejects if the gateway refuses. */
  static async connect(port: number, secret: Buffer = TEST_RELAY_SECRET): Promise<TestRelayPeer> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    try {
      await relayClientHandshake(socket, { secret }, 5_000);
    } catch (err) {
      socket.destroy();
      throw err;
    }
    return new TestRelayPeer(new Session(socket, { client: true, keepAliveInterval: 0 }), socket);
  }

  /** Opens a stream, sends the header, returns the status and the stream (left open whatever the status). */
  async request(endpointId: string, header = encodeRelayRequest(endpointId)): Promise<{ status: RelayStatus; stream: Duplex }> {
    const stream = this.session.open();
    stream.on('error', () => undefined);
    stream.write(header);
    const status = await readRelayResponse(stream, 5_000);
    return { status, stream };
  }

  close(): void {
    this.session.close();
    this.socket.destroy();
  }
}
