import { once } from 'node:events';
import * as http from 'node:http';
import type * as net from 'node:net';
import { RelayStatus, type YamuxStream } from '@piko/protocol';
import { HttpForwarder, type StreamReuse } from '../http-forwarder';
import { UpstreamStreamAgent } from '../upstream-stream-agent';
import { ClusterUpstreamDialer } from './cluster-upstream-dialer';
import { RelayClient } from './relay-client';
import { DEFAULT_RELAY_CLIENT_OPTIONS } from './relay-client-options';
import { TEST_RELAY_SECRET, TestRelayGateway, recordingLogger } from './testing/test-relay-gateway';

/** Answers each bodyless request on an accepted relay stream, keeping the stream (keep-alive). */
function answerRequests(stream: YamuxStream): void {
  let buffered = '';
  let answered = 0;
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    let end: number;
    while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
      const path = / (\S+) HTTP/.exec(buffered)?.[1] ?? '?';
      buffered = buffered.slice(end + 4);
      const body = `${path} #${++answered}`;
      stream.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    }
  });
  stream.on('end', () => stream.end());
}

/**
 * The proxy's side of kept relay streams: ClusterUpstreamDialer's choice, HttpForwarder and
 * UpstreamStreamAgent against a stand-in gateway that answers ACCEPTED_KEEP_ALIVE (a gateway that
 * routes each request) or ACCEPTED (a gateway from before, whose splice binds the stream to one
 * upstream stream).
 */
describe('kept relay streams (proxy side)', () => {
  let gateway: TestRelayGateway;
  let client: RelayClient;
  let agent: UpstreamStreamAgent;
  let front: http.Server;

  beforeEach(async () => {
    gateway = await TestRelayGateway.start();
    gateway.onAccepted = answerRequests;
    const logger = recordingLogger();
    client = new RelayClient({ ...DEFAULT_RELAY_CLIENT_OPTIONS, secret: TEST_RELAY_SECRET, mux: { keepAliveInterval: 0 } }, logger);
    const dialer = new ClusterUpstreamDialer({ routes: () => [{ nodeId: 'g', relayAddr: gateway.relayAddr, count: 1 }] }, client, logger);
    agent = new UpstreamStreamAgent(4, 10_000);
    const forwarder = new HttpForwarder({ timeoutMs: 5_000, tls: false, maxResponseHeaderBytes: 65_536, bodyIdleTimeoutMs: 0 }, logger);
    const reuse: StreamReuse = { agent, choose: (id) => dialer.choose(id), onDialError: (res) => res.writeHead(502).end() };
    front = http.createServer((req, res) => {
      const choice = dialer.choose('svc');
      if (!choice) return void res.writeHead(502).end();
      forwarder.forwardOn(req, res, choice, 'svc', reuse);
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
  });

  afterEach(async () => {
    agent.close();
    client.close();
    front.closeAllConnections();
    await new Promise((r) => front.close(r));
    await gateway.stop();
  });

  async function get(path: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${(front.address() as net.AddressInfo).port}${path}`);
    return `${res.status} ${await res.text()}`;
  }

  it('asks for KEEP_ALIVE and sends request after request on the one relay stream a gateway kept', async () => {
    gateway.answer = () => RelayStatus.AcceptedKeepAlive;
    expect([await get('/a'), await get('/b'), await get('/c')]).toEqual(['200 /a #1', '200 /b #2', '200 /c #3']);
    expect(gateway.seen).toEqual(['svc']);
    expect(gateway.keepAliveSeen).toEqual([true]);
  });

  it('sends one request per relay stream to a gateway from before (ACCEPTED: spliced onto one upstream stream)', async () => {
    gateway.answer = () => RelayStatus.Accepted;
    expect([await get('/a'), await get('/b'), await get('/c')]).toEqual(['200 /a #1', '200 /b #1', '200 /c #1']);
    expect(gateway.seen).toEqual(['svc', 'svc', 'svc']);
  });
});
