import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { HttpForwarder, type StreamReuse } from './http-forwarder';
import { UpstreamStreamAgent } from './upstream-stream-agent';

/** Warnings the forwarder logged in the current test. */
const warnings: string[] = [];
const silent = { debug: () => undefined, info: () => undefined, warn: (msg: string) => warnings.push(msg), error: () => undefined, child: () => silent } as never;

/**
 * HttpForwarder.forwardOn with kept streams, against a raw upstream that plays the agent: which
 * exchanges reuse a stream, and the keep-alive race (a kept stream closed as a request goes out).
 */
describe('HttpForwarder with kept streams', () => {
  let upstream: net.Server;
  let front: http.Server;
  let agent: UpstreamStreamAgent;
  const upstreamConnections: net.Socket[] = [];
  /** Upstream connections holding a request for /hang (never answered). */
  const hanging: net.Socket[] = [];
  /** Per upstream connection: how many requests it answered before closing on the next one. */
  let answerBeforeClosing = Infinity;
  let dialErrors: unknown[];

  beforeEach(async () => {
    warnings.length = 0;
    hanging.length = 0;
    dialErrors = [];
    answerBeforeClosing = Infinity;
    upstream = net.createServer((socket) => {
      upstreamConnections.push(socket);
      let answered = 0;
      socket.on('data', (chunk: Buffer) => {
        if (answered >= answerBeforeClosing) return void socket.destroy();
        answered++;
        const path = / (\S+) HTTP/.exec(chunk.toString('latin1'))?.[1] ?? '?';
        if (path === '/hang') return void hanging.push(socket); // never answered
        const body = `${path} on connection ${upstreamConnections.indexOf(socket)}`;
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      });
      socket.on('error', () => undefined);
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const port = (upstream.address() as net.AddressInfo).port;
    agent = new UpstreamStreamAgent(4, 10_000);
    const forwarder = new HttpForwarder({ timeoutMs: 5_000, tls: false, maxResponseHeaderBytes: 65_536, bodyIdleTimeoutMs: 0 }, silent);
    const choose = () => ({ key: 'upstream-1', open: async () => net.connect(port, '127.0.0.1') });
    const reuse: StreamReuse = {
      agent,
      choose,
      onDialError: (res, _id, cause) => {
        dialErrors.push(cause);
        res.writeHead(502).end();
      },
    };
    front = http.createServer((req, res) => forwarder.forwardOn(req, res, choose(), 'ep', reuse));
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
  });

  afterEach(async () => {
    agent.close();
    for (const socket of upstreamConnections.splice(0)) socket.destroy();
    front.closeAllConnections();
    await new Promise((r) => front.close(r));
    await new Promise((r) => upstream.close(r));
  });

  async function get(path: string, method = 'GET'): Promise<[number, string]> {
    const res = await fetch(`http://127.0.0.1:${(front.address() as net.AddressInfo).port}${path}`, { method, body: method === 'POST' ? 'x' : undefined });
    return [res.status, await res.text()];
  }

  it('sends sequential requests on one kept stream', async () => {
    for (const path of ['/a', '/b', '/c']) expect(await get(path)).toEqual([200, `${path} on connection 0`]);
    expect(upstreamConnections).toHaveLength(1);
  });

  it('sends a GET again on a new stream when the kept one closes before answering it (the keep-alive race)', async () => {
    answerBeforeClosing = 1;
    expect(await get('/first')).toEqual([200, '/first on connection 0']);
    // The kept stream's far end closes as this request arrives: nothing of it was processed.
    expect(await get('/second')).toEqual([200, '/second on connection 1']);
    expect(upstreamConnections).toHaveLength(2);
  });

  it('neither warns nor sends the request again when the client goes away before the response', async () => {
    expect(await get('/first')).toEqual([200, '/first on connection 0']);
    const port = (front.address() as net.AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    client.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
    // The request reached the upstream on the kept stream; then the client leaves.
    await waitFor(() => hanging.length > 0);
    client.destroy();
    await once(hanging[0], 'close');
    await new Promise((r) => setImmediate(r));
    // The kept stream was reset with the abandoned request, and nothing went out again.
    expect(upstreamConnections.length).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('does not send a POST again: it gets 502', async () => {
    answerBeforeClosing = 1;
    expect(await get('/first')).toEqual([200, '/first on connection 0']);
    expect((await get('/post', 'POST'))[0]).toBe(502);
    // Not retried: no second connection was opened for it.
    expect(upstreamConnections).toHaveLength(1);
    expect(dialErrors).toEqual([]);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}
