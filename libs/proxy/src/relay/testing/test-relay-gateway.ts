// Test-only stand-in for a gateway's relay port (not exported from the lib): speaks the relay
// link's wire format (yamux server over TCP, relay header, status byte) and lets a test choose
// each answer. Accepted streams are handled by `onAccepted` (an echo by default). Connections
// prove themselves with TEST_RELAY_SECRET first (the relay handshake), or with `secret`.
import { once } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { RelayStatus, Session, encodeRelayResponse, readRelayRequest, relayServerHandshake, type YamuxStream } from '@piko/protocol';
import type { Logger } from '@piko/observability';

/** The relay secret the test peers share. */
export const TEST_RELAY_SECRET = Buffer.from('test-relay-secret-0123456789');

export class TestRelayGateway {
  /** The secret connections must prove (the handshake runs before the session). */
  secret = TEST_RELAY_SECRET;
  /** Connections refused by the handshake. */
  refused = 0;
  /** The answer to each header; `undefined` means never answer. */
  answer: (endpointId: string, rawTcp: boolean) => RelayStatus | undefined = () => RelayStatus.Accepted;
  onAccepted: (stream: YamuxStream, endpointId: string) => void = (stream) => stream.pipe(stream);
  connections = 0;
  readonly seen: string[] = [];
  /** The RAW_TCP flag of each header, in the order of `seen`. */
  readonly rawTcpSeen: boolean[] = [];
  /** The KEEP_ALIVE flag of each header, in the order of `seen`. */
  readonly keepAliveSeen: boolean[] = [];
  readonly answered = new Map<RelayStatus, number>();
  private readonly sessions = new Set<Session>();

  private constructor(private readonly server: net.Server) {
    server.on('connection', (socket) => this.onConnection(socket));
  }

  static async start(port = 0): Promise<TestRelayGateway> {
    const server = net.createServer();
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return new TestRelayGateway(server);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get relayAddr(): string {
    return `127.0.0.1:${this.port}`;
  }

  count(status: RelayStatus): number {
    return this.answered.get(status) ?? 0;
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const session of this.sessions) session.close();
    await closed;
  }

  private onConnection(socket: net.Socket): void {
    this.connections++;
    socket.on('error', () => undefined);
    relayServerHandshake(socket, { secret: this.secret, peerVerified: false }, 5_000).then(
      () => this.startSession(socket),
      () => {
        this.refused++;
        setTimeout(() => socket.destroy(), 100);
      },
    );
  }

  private startSession(socket: net.Socket): void {
    const session = new Session(socket, { client: false, keepAliveInterval: 0 });
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    session.on('stream', (stream: YamuxStream) => {
      stream.on('error', () => undefined);
      readRelayRequest(stream).then(
        ({ endpointId, rawTcp, keepAlive }) => {
          this.seen.push(endpointId);
          this.rawTcpSeen.push(rawTcp);
          this.keepAliveSeen.push(keepAlive);
          const status = this.answer(endpointId, rawTcp);
          if (status === undefined) return;
          this.answered.set(status, this.count(status) + 1);
          if (status !== RelayStatus.Accepted && status !== RelayStatus.AcceptedKeepAlive) {
            stream.resume();
            stream.end(encodeRelayResponse(status));
            return;
          }
          stream.write(encodeRelayResponse(status));
          this.onAccepted(stream, endpointId);
        },
        () => stream.destroy(),
      );
    });
  }
}

export interface LogRecord {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export function recordingLogger(records: LogRecord[] = []): Logger & { records: LogRecord[] } {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    records.push({ level, msg, fields });
  };
  const logger: Logger & { records: LogRecord[] } = {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

/**
 * Reads a stream's readable side to its end. Not `for await`: the async iterator destroys the
 * stream when it ends, which would reset a duplex whose writable side is still in use.
 */
export function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** The stream of an accepted dial; fails the test on a refusal. */
export async function accepted(dial: Promise<Duplex | undefined>): Promise<Duplex> {
  const stream = await dial;
  if (!stream) throw new Error('dial was refused');
  return stream;
}
