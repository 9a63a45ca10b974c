import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { type Duplex, Readable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { readAll } from './testing/connection-pairs';
import { webSocketDuplex, type WebSocketDuplexOptions } from './websocket-duplex';

interface Pair {
  clientWs: WebSocket;
  serverWs: WebSocket;
  client: Duplex;
  server: Duplex;
}

const servers: WebSocketServer[] = [];
const sockets: WebSocket[] = [];

async function pair(options: WebSocketDuplexOptions): Promise<Pair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const clientWs = new WebSocket(`ws://127.0.0.1:${port}/`);
  sockets.push(clientWs);
  await once(clientWs, 'open');
  const [serverWs] = await accepted;
  sockets.push(serverWs);
  for (const ws of [clientWs, serverWs]) closeCodes.set(ws, new Promise((resolve) => ws.once('close', (code: number) => resolve(code))));
  const client = webSocketDuplex(clientWs, options);
  const server = webSocketDuplex(serverWs, options);
  // afterEach terminates whatever a test left open: that reset is expected, not a failure.
  for (const d of [client, server]) d.on('error', () => undefined);
  return { clientWs, serverWs, client, server };
}

const closeCodes = new WeakMap<WebSocket, Promise<number>>();

function closed(ws: WebSocket): Promise<number> {
  const code = closeCodes.get(ws);
  if (!code) throw new Error('not a socket from pair()');
  return code;
}

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(servers.splice(0).map((wss) => new Promise((r) => wss.close(r))));
});

describe('webSocketDuplex default mode (Go Piko byte stream)', () => {
  it('end() closes the whole WebSocket', async () => {
    const { client, server, serverWs } = await pair({});
    const got = readAll(server);
    client.end(Buffer.from('bye'));
    expect((await got).toString()).toBe('bye');
    expect(await closed(serverWs)).toBe(1000);
  });

  it('writes queued together: small ones merge into one message, large ones go as their own, in order', async () => {
    const { client, server, serverWs } = await pair({});
    const sizes: number[] = [];
    serverWs.on('message', (data: Buffer) => sizes.push(data.length));
    const got = readAll(server);
    const pieces = [randomBytes(12), randomBytes(100), randomBytes(64 * 1024), randomBytes(12), randomBytes(20 * 1024), randomBytes(5)];
    client.cork();
    for (const p of pieces) client.write(p);
    client.uncork();
    client.end();
    expect((await got).equals(Buffer.concat(pieces))).toBe(true);
    // 12 + 100 merged; 64 KiB alone; 12 alone (the next is large); 20 KiB alone; 5 alone.
    expect(sizes).toEqual([112, 64 * 1024, 12, 20 * 1024, 5]);
  });

  it('never sends an empty message for an end without data', async () => {
    const { client, serverWs } = await pair({});
    const sizes: number[] = [];
    serverWs.on('message', (data: Buffer) => sizes.push(data.length));
    client.write(Buffer.from('x'));
    client.end();
    await closed(serverWs);
    expect(sizes).toEqual([1]);
  });
});

describe('webSocketDuplex halfClose mode', () => {
  it('end() sends one empty message and keeps the duplex readable', async () => {
    const { client, server, serverWs, clientWs } = await pair({ halfClose: true });
    const sizes: number[] = [];
    serverWs.on('message', (data: Buffer) => sizes.push(data.length));
    // The server reads to EOF, then answers with a reply far larger than any buffer.
    const reply = randomBytes(1024 * 1024 + 17);
    server.resume();
    server.once('end', () => {
      server.write(reply.subarray(0, 500_000));
      server.end(reply.subarray(500_000));
    });
    const got = readAll(client);
    client.write(Buffer.from('request'));
    client.end();
    const received = await got;
    expect(createHash('sha256').update(received).digest('hex')).toBe(createHash('sha256').update(reply).digest('hex'));
    expect(sizes).toEqual([7, 0]);
    // Both directions ended: the WebSocket closes cleanly on its own.
    expect(await closed(clientWs)).toBe(1000);
  });

  it('an empty message ends the readable side only; writes still travel', async () => {
    const { client, server } = await pair({ halfClose: true });
    const ended = once(server, 'end');
    server.resume();
    client.end();
    await ended;
    expect(server.writable).toBe(true);
    const got = readAll(client);
    server.end(Buffer.from('late reply'));
    expect((await got).toString()).toBe('late reply');
  });

  it('ignores empty writes (they would read as FIN)', async () => {
    const { client, server, serverWs } = await pair({ halfClose: true });
    const sizes: number[] = [];
    serverWs.on('message', (data: Buffer) => sizes.push(data.length));
    const got = readAll(server);
    client.write(Buffer.alloc(0));
    client.write(Buffer.from('a'));
    client.end();
    expect((await got).toString()).toBe('a');
    expect(sizes).toEqual([1, 0]);
  });

  it('a WebSocket that drops before both FINs is a reset', async () => {
    const { client, serverWs } = await pair({ halfClose: true });
    const failed = once(client, 'error');
    serverWs.terminate();
    const [err] = (await failed) as [Error & { code?: string }];
    expect(err.code).toBe('ERR_WEBSOCKET_RESET');
  });

  it('destroy() before both FINs resets the peer', async () => {
    const { client, server } = await pair({ halfClose: true });
    server.resume();
    const failed = once(server, 'error');
    client.destroy();
    const [err] = (await failed) as [Error & { code?: string }];
    expect(err.code).toBe('ERR_WEBSOCKET_RESET');
  });

  it('a clean close from a peer without the marker (Go Piko) ends both directions', async () => {
    const { client, serverWs } = await pair({ halfClose: true });
    const got = readAll(client);
    const closedEvent = once(client, 'close');
    serverWs.send(Buffer.from('hello'), { binary: true });
    serverWs.close(1000);
    expect((await got).toString()).toBe('hello');
    await closedEvent;
    expect(client.destroyed).toBe(true);
  });

  it('data after FIN is a protocol error', async () => {
    const { client, serverWs } = await pair({ halfClose: true });
    client.resume();
    const failed = once(client, 'error');
    serverWs.send(Buffer.alloc(0), { binary: true });
    serverWs.send(Buffer.from('oops'), { binary: true });
    const [err] = (await failed) as [Error & { code?: string }];
    expect(err.code).toBe('ERR_WEBSOCKET_DATA_AFTER_FIN');
  });
});

/** A WebSocket whose socket never drains: every message it is given stays queued, its callback never called. */
class StalledWebSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readonly CLOSING = 2;
  readyState = 1;
  isPaused = false;
  readonly queued: Buffer[] = [];
  get bufferedAmount(): number {
    return this.queued.reduce((sum, b) => sum + b.length, 0);
  }
  send(data: Buffer): void {
    this.queued.push(data);
  }
  pause(): void {
    this.isPaused = true;
  }
  resume(): void {
    this.isPaused = false;
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

describe('webSocketDuplex memory under a reader that never drains', () => {
  it('holds at most 256 unsent messages and 16 KiB of written chunks, however small the chunks', async () => {
    const ws = new StalledWebSocket();
    const duplex = webSocketDuplex(ws as unknown as WebSocket, { halfClose: true });
    duplex.on('error', () => undefined);
    // One byte per event-loop turn, as a peer trickling single bytes makes a stream deliver them.
    let pushed = 0;
    let stalled: () => void = () => undefined;
    const source = new Readable({
      read() {
        if (pushed === 100_000) return stalled();
        setImmediate(() => this.push(Buffer.from([pushed++ & 0xff])));
      },
    });
    const paused = new Promise<void>((resolve) => (stalled = resolve));
    source.pipe(duplex);
    // The pipe stops reading once the duplex says it is full; give it time to say so.
    await Promise.race([paused, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    // Before the limits: 100,000 messages of one byte each queued in ws (its byte high-water mark of
    // 1 MiB was never reached) at ~350 bytes of heap each.
    expect(ws.queued.length).toBeLessThanOrEqual(256);
    expect(duplex.writableLength).toBeLessThanOrEqual(16 * 1024 + 1);
    // The pipe stopped reading long before the source ran out (the rest is its own read-ahead).
    expect(pushed).toBeLessThan(50_000);
    source.destroy();
    duplex.destroy();
  });
});
