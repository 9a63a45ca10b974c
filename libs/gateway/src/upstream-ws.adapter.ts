import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WsAdapter } from '@nestjs/platform-ws';
import { WebSocketServer } from 'ws';
import { errorBody } from '@piko/protocol';

/** A rejected upgrade: answered as plain HTTP with Go Piko's JSON error body. */
export interface UpgradeRejection {
  status: number;
  error: string;
  /** Extra response headers, e.g. `www-authenticate` on a 401. */
  headers?: Record<string, string>;
}

export interface UpstreamWsAdapterOptions {
  /** Largest WebSocket message accepted (bytes). A yamux frame never needs more than its window. */
  maxPayload: number;
  /**
   * Runs before the upgrade completes, so a bad endpoint ID or token gets an HTTP status, not a
   * closed socket. May be async (token verification); it must not reject.
   */
  beforeUpgrade(request: IncomingMessage, params: Record<string, string>): UpgradeRejection | undefined | Promise<UpgradeRejection | undefined>;
}

interface Route {
  readonly pattern: RegExp;
  readonly names: string[];
  readonly server: WebSocketServer;
}

const paramsByRequest = new WeakMap<IncomingMessage, Record<string, string>>();

/** The path parameters (e.g. `endpointId`) of an upgrade request this adapter routed. */
export function upgradeParams(request: IncomingMessage): Record<string, string> {
  return paramsByRequest.get(request) ?? {};
}

/**
 * Nest's WsAdapter matches WebSocket paths exactly and treats every message as JSON. Upstreams
 * need a path parameter (`/piko/v1/upstream/:endpointId`) and carry one binary byte stream (yamux),
 * so this adapter routes by path pattern on the upstream port's own HTTP server, answers rejected
 * upgrades with a JSON error, and leaves message handling to the multiplexer.
 */
export class UpstreamWsAdapter extends WsAdapter {
  private readonly routes: Route[] = [];
  private listening = false;
  private accepting = true;

  constructor(
    private readonly server: HttpServer,
    private readonly options: UpstreamWsAdapterOptions,
  ) {
    super(server);
  }

  override create(_port: number, options: { path?: string } = {}): WebSocketServer {
    const names: string[] = [];
    const source = (options.path ?? '/').replace(/:([A-Za-z]+)/g, (_match, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: this.options.maxPayload });
    this.routes.push({ pattern: new RegExp(`^${source}/?$`), names, server });
    if (!this.listening) {
      this.listening = true;
      this.server.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    }
    return server;
  }

  /** Binary streams are read by the multiplexer, not dispatched as JSON events. */
  override bindMessageHandlers(): void {
    // Intentionally nothing: WsAdapter's default would JSON-parse every yamux frame.
  }

  /** Refuse new upstreams from now on (drain): they reconnect to another gateway. */
  stopAccepting(): void {
    this.accepting = false;
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(request.url ?? '/', 'http://upstream').pathname;
    for (const route of this.routes) {
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      const params = Object.fromEntries(route.names.map((name, i) => [name, safeDecode(match[i + 1])]));
      const complete = (rejection: UpgradeRejection | undefined): void => {
        if (rejection) return reject(socket, rejection);
        if (socket.destroyed) return;
        paramsByRequest.set(request, params);
        route.server.handleUpgrade(request, socket, head, (ws) => {
          // Paused until the multiplexer's first read (webSocketDuplex resumes it): frames that came
          // with the upgrade request are emitted on the next tick, and Nest reaching the gateway's
          // handleConnection synchronously is its implementation's choice, not a promise.
          ws.pause();
          route.server.emit('connection', ws, request);
        });
      };
      if (!this.accepting) return complete({ status: 503, error: 'gateway is shutting down' });
      const rejection = this.options.beforeUpgrade(request, params);
      if (!(rejection instanceof Promise)) return complete(rejection);
      // The client may reset while the token is verified; nothing else listens for that yet.
      const ignore = (): void => undefined;
      socket.on('error', ignore);
      void rejection.then((result) => {
        socket.off('error', ignore);
        complete(this.accepting ? result : { status: 503, error: 'gateway is shutting down' });
      });
      return;
    }
    reject(socket, { status: 404, error: 'not found' });
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function reject(socket: Duplex, { status, error, headers = {} }: UpgradeRejection): void {
  if (socket.destroyed) return;
  // A client that resets before reading the answer makes the write fail; that is its business,
  // and nothing else listens on this socket any more (an unhandled 'error' would end the process).
  socket.on('error', () => undefined);
  const body = errorBody(error);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}
