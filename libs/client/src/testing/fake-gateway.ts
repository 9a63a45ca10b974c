// Test-only stand-in for the upstream gateway (not exported from index.ts): accepts upstream
// WebSockets on /piko/v1/upstream/:endpointId, runs the server side of the multiplexer, and lets a
// test open streams to a connected upstream, refuse upgrades, or drop connections.
import { EventEmitter, once } from 'events';
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { Duplex } from 'stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { Session, webSocketDuplex } from '@piko/protocol';

export interface UpstreamConnection {
  endpointId: string;
  session: Session;
  ws: WebSocket;
  authorization: string | undefined;
  tenantId: string | undefined;
}

/** Emits 'attempt' on every upgrade attempt and 'upstream' (UpstreamConnection) on every accepted one. */
export class FakeGateway extends EventEmitter {
  /** While set, every upgrade is refused with this status and `{"error": message}` body. */
  refuseWith: { status: number; message: string } | undefined;
  /** While set, sent as one binary message right behind the 101 of every accepted upgrade (before the multiplexer). */
  greeting: Buffer | undefined;
  /** Upgrade attempts seen (accepted or refused). */
  attempts = 0;
  readonly connections: UpstreamConnection[] = [];
  private readonly waiters: Array<(conn: UpstreamConnection) => void> = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Duplex>();

  private constructor(private readonly server: http.Server) {
    super();
    server.on('request', (_req, res: http.ServerResponse) => res.writeHead(404).end());
    server.on('connection', (socket: Duplex) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  static async start(): Promise<FakeGateway> {
    const server = http.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FakeGateway(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Live upstream connections for an endpoint. */
  live(endpointId: string): UpstreamConnection[] {
    return this.connections.filter((c) => c.endpointId === endpointId && !c.session.isClosed);
  }

  /** Resolves with the next upstream connection to be accepted. */
  nextConnection(): Promise<UpstreamConnection> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async connection(endpointId: string): Promise<UpstreamConnection> {
    const live = this.live(endpointId);
    if (live.length > 0) return live[live.length - 1];
    for (;;) {
      const conn = await this.nextConnection();
      if (conn.endpointId === endpointId) return conn;
    }
  }

  /** Opens a stream to the newest live upstream of `endpointId`, as the gateway does per proxied connection. */
  async openStream(endpointId: string): Promise<Duplex> {
    const conn = await this.connection(endpointId);
    return conn.session.open();
  }

  /** Kills every upstream's TCP connection without a close handshake (a crashed gateway or a cut network). */
  dropAll(): void {
    for (const conn of this.connections) conn.ws.terminate();
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.session.close();
    for (const socket of this.sockets) socket.destroy();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.attempts++;
    this.emit('attempt', this.attempts);
    const match = /^\/piko\/v1\/upstream\/([^/?]+)$/.exec(req.url?.split('?')[0] ?? '');
    const refusal = match ? this.refuseWith : { status: 404, message: 'not found' };
    if (refusal) {
      const body = JSON.stringify({ error: refusal.message });
      socket.end(
        `HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    const endpointId = decodeURIComponent(match?.[1] ?? '');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.greeting) ws.send(this.greeting);
      const session = new Session(webSocketDuplex(ws), { client: false });
      const conn: UpstreamConnection = {
        endpointId,
        session,
        ws,
        authorization: req.headers.authorization,
        tenantId: req.headers['x-piko-tenant-id'] as string | undefined,
      };
      this.connections.push(conn);
      for (const waiter of this.waiters.splice(0)) waiter(conn);
      this.emit('upstream', conn);
    });
  }
}

/** Reads a stream to its end. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** A logger that records every line, for asserting on what was (and was not) logged. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

export interface RecordingLogger {
  lines: LogLine[];
  /** Resolves when a line matching `predicate` was (or is) logged `count` times. */
  waitFor(predicate: (line: LogLine) => boolean, count?: number): Promise<void>;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): RecordingLogger;
}

export function recordingLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
  events = new EventEmitter(),
): RecordingLogger {
  const log =
    (level: LogLine['level']) =>
    (msg: string, fields: Record<string, unknown> = {}): void => {
      lines.push({ level, msg, fields: { ...bindings, ...fields } });
      events.emit('line');
    };
  const logger: RecordingLogger = {
    lines,
    waitFor: (predicate, count = 1) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (lines.filter(predicate).length < count) return;
          events.off('line', check);
          resolve();
        };
        events.on('line', check);
        check();
      }),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more: Record<string, unknown>) => recordingLogger(lines, { ...bindings, ...more }, events),
  };
  return logger;
}
