// Test-only helpers (not exported from the lib): real loopback connection pairs.
import { once } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { webSocketDuplex } from '../websocket-duplex';
import { Session } from '../yamux/session';
import type { SessionOptions } from '../yamux/session-options';

export interface ConnPair {
  client: Duplex;
  server: Duplex;
  close(): Promise<void>;
}

export async function tcpPair(): Promise<ConnPair> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  const accepted = once(srv, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = await accepted;
  return {
    client,
    server,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise((r) => srv.close(r));
    },
  };
}

export interface WsPair extends ConnPair {
  clientWs: WebSocket;
  serverWs: WebSocket;
}

export async function wsPair(): Promise<WsPair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const { port } = wss.address() as net.AddressInfo;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const clientWs = new WebSocket(`ws://127.0.0.1:${port}/piko/v1/upstream/test`);
  await once(clientWs, 'open');
  const [serverWs] = await accepted;
  return {
    clientWs,
    serverWs,
    client: webSocketDuplex(clientWs),
    server: webSocketDuplex(serverWs),
    close: async () => {
      clientWs.terminate();
      serverWs.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

export interface SessionPair {
  client: Session;
  server: Session;
  close(): Promise<void>;
}

export async function sessionPair(
  kind: 'tcp' | 'ws',
  clientOpts: Partial<SessionOptions> = {},
  serverOpts: Partial<SessionOptions> = {},
): Promise<SessionPair> {
  const pair = kind === 'tcp' ? await tcpPair() : await wsPair();
  const client = new Session(pair.client, { keepAliveInterval: 0, ...clientOpts, client: true });
  const server = new Session(pair.server, { keepAliveInterval: 0, ...serverOpts, client: false });
  return {
    client,
    server,
    close: async () => {
      client.close();
      server.close();
      await pair.close();
    },
  };
}

/** Reads a stream to its end. */
export function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  // Not `for await`: finishing the iterator destroys the stream, which would reset a duplex
  // whose write side is still open.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.resume(); // a 'data' listener alone does not restart an explicitly paused stream
  });
}

export interface LogRecord {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export function recordingLogger(records: LogRecord[]) {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    records.push({ level, msg, fields });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
