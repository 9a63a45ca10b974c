// Smoke tests of the Go peer's Piko stand-in modes (used by the system tests), each against our
// multiplexer: a Go "agent" served through our yamux server, our yamux client as an upstream of
// the Go "server".
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session, YamuxStream, errorBody, webSocketDuplex } from '@piko/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import { GoPeerProcess, buildGoPeer, startGoPeer } from './go-peer';

function readUntilEnd(s: YamuxStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (text += c));
    s.once('end', () => resolve(text));
    s.once('error', reject);
  });
}

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('Go Piko stand-ins against our multiplexer', () => {
  let binary: string;
  let peer: GoPeerProcess | undefined;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    binary = await buildGoPeer();
  }, 180_000);

  afterEach(async () => {
    await peer?.stop();
    peer = undefined;
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('piko-agent: serves HTTP on streams our yamux server opens over its WebSocket', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    cleanups.push(() => new Promise((r) => wss.close(r)));
    const connected = new Promise<[Session, string]>((resolve) => {
      wss.on('connection', (ws, req) => {
        const session = new Session(webSocketDuplex(ws), { client: false });
        cleanups.push(() => session.close());
        resolve([session, req.url ?? '']);
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/piko/v1/upstream/go-ep`;
    peer = startGoPeer(binary, ['piko-agent', '-url', url]);
    const [session, path] = await connected;
    expect(path).toBe('/piko/v1/upstream/go-ep');
    await peer.waitForLine(/^connected /);

    const responses = await Promise.all(
      ['/a', '/b?x=1', '/c'].map(async (p) => {
        const s = session.open();
        s.end(`GET ${p} HTTP/1.1\r\nHost: go-ep\r\nConnection: close\r\n\r\n`);
        return readUntilEnd(s);
      }),
    );
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(responses.map((r) => r.split('\r\n\r\n')[1])).toEqual(['go-agent:GET /a', 'go-agent:GET /b?x=1', 'go-agent:GET /c']);
  }, 60_000);

  it('piko-server: proxies HTTP requests to our yamux client upstream, 502 without one', async () => {
    peer = startGoPeer(binary, ['piko-server', '-upstream', '127.0.0.1:0', '-proxy', '127.0.0.1:0']);
    const [, upstreamAddr] = await peer.waitForLine(/^upstream listening (\S+)/);
    const [, proxyAddr] = await peer.waitForLine(/^proxy listening (\S+)/);
    const proxyPort = Number(proxyAddr.split(':').pop());

    const missing = await get(proxyPort, '/x', { 'x-piko-endpoint': 'ts-ep' });
    expect(missing).toEqual({ status: 502, body: errorBody('no available upstreams') });

    const ws = new WebSocket(`ws://${upstreamAddr}/piko/v1/upstream/ts-ep`);
    await once(ws, 'open');
    const session = new Session(webSocketDuplex(ws), { client: true });
    cleanups.push(() => session.close());
    session.on('stream', (s: YamuxStream) => {
      let head = '';
      s.setEncoding('utf8');
      s.on('data', (c: string) => {
        head += c;
        if (!head.includes('\r\n\r\n')) return;
        s.removeAllListeners('data');
        s.resume();
        const requestLine = head.split('\r\n')[0];
        const body = `ts-agent:${requestLine}`;
        s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      });
    });
    await peer.waitForLine(/^upstream connected ts-ep$/);

    const viaHeader = await get(proxyPort, '/hello', { 'x-piko-endpoint': 'ts-ep' });
    expect(viaHeader).toEqual({ status: 200, body: 'ts-agent:GET /hello HTTP/1.1' });
    const viaHost = await get(proxyPort, '/by-host', { host: 'ts-ep.example.com' });
    expect(viaHost).toEqual({ status: 200, body: 'ts-agent:GET /by-host HTTP/1.1' });
  }, 60_000);
});
