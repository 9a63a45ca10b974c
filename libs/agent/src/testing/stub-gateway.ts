// Test-only: the smallest stand-in for Piko's upstream gateway that an agent can connect to.
// (libs/client has a fuller one; apps may not deep-import libs, so the agent tests keep this.)
import { EventEmitter, once } from 'events';
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { Duplex } from 'stream';
import { WebSocketServer } from 'ws';
import { Session, webSocketDuplex } from '@piko/protocol';

export class StubGateway {
  readonly sessions = new Map<string, Session[]>();
  private readonly events = new EventEmitter();
  private readonly wss = new WebSocketServer({ noServer: true });

  private constructor(private readonly server: http.Server) {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const endpointId = /^\/piko\/v1\/upstream\/([^/?]+)/.exec(req.url ?? '')?.[1];
      if (!endpointId) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const session = new Session(webSocketDuplex(ws), { client: false });
        this.sessions.set(endpointId, [...(this.sessions.get(endpointId) ?? []), session]);
        this.events.emit('upstream', endpointId);
      });
    });
  }

  static async start(): Promise<StubGateway> {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new StubGateway(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The newest session of `endpointId`, waiting for the upstream to connect if needed. */
  async session(endpointId: string): Promise<Session> {
    for (;;) {
      const live = (this.sessions.get(endpointId) ?? []).filter((s) => !s.isClosed);
      if (live.length > 0) return live[live.length - 1];
      await once(this.events, 'upstream');
    }
  }

  /** A new stream to the endpoint's upstream: what the gateway does per proxied connection. */
  async openStream(endpointId: string): Promise<Duplex> {
    return (await this.session(endpointId)).open();
  }

  async close(): Promise<void> {
    for (const list of this.sessions.values()) for (const s of list) s.close();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A structural Logger that records lines and lets a test wait for one. */
export class RecordingLogger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
    private readonly events = new EventEmitter(),
  ) {}

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.add('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.add('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.add('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.add('error', msg, fields);
  }
  child(bindings: Record<string, unknown>): RecordingLogger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings }, this.events);
  }

  waitFor(predicate: (line: LogLine) => boolean): Promise<LogLine> {
    return new Promise((resolve) => {
      const check = (): void => {
        const line = this.lines.find(predicate);
        if (!line) return;
        this.events.off('line', check);
        resolve(line);
      };
      this.events.on('line', check);
      check();
    });
  }

  private add(level: string, msg: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ level, msg, fields: { ...this.bindings, ...fields } });
    this.events.emit('line');
  }
}
