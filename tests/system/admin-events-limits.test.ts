import { type IncomingMessage, request } from 'node:http';
import { waitFor } from '@piko/testing';
import { type PikoServer, startPikoServer } from './support/piko';

jest.setTimeout(120_000);

/**
 * The live channel's limits against clients that hold streams without reading (resource-exhaustion
 * trial): `admin.page.max_streams_per_client` keeps one address from taking every stream, and
 * `admin.page.stalled_stream_timeout` closes a stream whose client reads nothing, so it gives its
 * place back. Run against `piko server` with the flags a user would give.
 */
describe('live channel limits (admin.page.max_streams_per_client, admin.page.stalled_stream_timeout)', () => {
  let server: PikoServer;

  beforeAll(async () => {
    server = await startPikoServer(['--proxy.inspect.endpoints', '*', '--admin.page.max-streams-per-client', '2', '--admin.page.stalled-stream-timeout', '1s']);
  });

  afterAll(async () => {
    await server?.process.stop();
  });

  /** GET `path` on the admin port from `localAddress`; the body is read only once `read()` is called. */
  function openStream(path: string, localAddress = '127.0.0.1') {
    const req = request({ host: '127.0.0.1', port: server.adminPort, path, localAddress, agent: false });
    req.on('error', () => undefined);
    let closed = false;
    const response = new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
    void response.then((res) => res.on('close', () => (closed = true)));
    req.end();
    return {
      status: response.then((res) => res.statusCode),
      read: () => void response.then((res) => (res.on('error', () => undefined), res.resume())),
      closed: () => closed,
      close: () => req.destroy(),
    };
  }

  it('refuses a third stream from one address with 503 naming the key, and logs it, while another address is served', async () => {
    const held = [openStream('/api/v1/events'), openStream('/api/v1/events')];
    const others: Array<ReturnType<typeof openStream>> = [];
    try {
      for (const stream of held) {
        stream.read();
        expect(await stream.status).toBe(200);
      }
      const refused = await fetch(`${server.adminUrl}/api/v1/events`);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: 'too many live streams open from your address (admin.page.max_streams_per_client 2)' });
      await server.process.waitForOutput('admin.page.max_streams_per_client');
      const other = openStream('/api/v1/events', '127.0.0.2');
      others.push(other);
      other.read();
      expect(await other.status).toBe(200);
    } finally {
      for (const stream of [...held, ...others]) stream.close();
    }
  });

  it('closes a stream whose client reads nothing once it has been backed up for the timeout', async () => {
    // 3,000 captures of ~4 KB summaries (502s: no agent serves these endpoints): a catch-up from
    // the beginning is ~12 MB, more than the kernel's socket buffers take (a few MB on loopback),
    // so it backs up a client that does not read.
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 3_000) {
          const i = next++;
          const res = await fetch(`${server.proxyUrl}/x/${'y'.repeat(4_000)}`, { headers: { 'x-piko-endpoint': `made-up-${i % 50}` } });
          await res.arrayBuffer();
        }
      }),
    );
    // Both places of this address were freed by the previous test's streams closing.
    await waitFor('a free place for 127.0.0.1', async () => {
      const probe = await fetch(`${server.adminUrl}/api/v1/events`);
      await probe.body?.cancel();
      return probe.status === 200 ? true : undefined;
    }, 20_000);
    const cursor = Buffer.from(JSON.stringify({ local: 0 })).toString('base64url');
    const stalled = openStream(`/api/v1/events?cursor=${cursor}`);
    try {
      expect(await stalled.status).toBe(200);
      await server.process.waitForOutput('admin.page.stalled_stream_timeout', 30_000);
      // Reading now, the client finds its stream ended by the server.
      stalled.read();
      await waitFor('the stalled stream to end', async () => (stalled.closed() ? true : undefined), 20_000);
    } finally {
      stalled.close();
    }
  });
});
