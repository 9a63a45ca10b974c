import { once } from 'node:events';
import net from 'node:net';
import { Registry } from 'prom-client';
import { RelayServer, UpstreamPool } from '@piko/gateway';
import { noopLogger } from '@piko/observability';
import { ServerTls } from '@piko/runtime';
import { TestPki } from '@piko/testing';

jest.setTimeout(30_000);

// The gateway's relay port with relay TLS: a connection is in "the handshake" from its arrival,
// TLS handshake included, so relay.max_handshakes and relay.header_timeout bound it as they bound
// a plain relay connection. Before, a TCP connection that never finished TLS was neither counted
// nor timed out by the relay (an attack trial held 20,000 of a gateway's descriptors that way).
describe('RelayServer over TLS: connections in the TLS handshake', () => {
  let pki: TestPki;
  let server: RelayServer;
  const sockets: net.Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await server?.close();
    pki?.remove();
  });

  async function connect(port: number): Promise<net.Socket> {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    return socket;
  }

  it('hold relay.max_handshakes slots from arrival (the longest waiting evicted when full), and are closed after relay.header_timeout', async () => {
    pki = TestPki.create();
    const cert = pki.issue({ cn: 'relay' });
    const tls = new ServerTls({ cert: cert.cert, key: cert.key, clientCas: '' }, 'relay.tls', noopLogger);
    const registry = new Registry();
    const pool = new UpstreamPool();
    server = new RelayServer(pool, { host: '127.0.0.1', port: 0, headerTimeoutMs: 600, maxHandshakes: 3, secret: Buffer.alloc(32, 7), tls }, noopLogger, registry);
    const { port } = await server.listen();

    // TCP connections that never finish TLS: two send nothing, one half a ClientHello record header.
    const silent = [await connect(port), await connect(port), await connect(port)];
    silent[0].write(Buffer.from([0x16, 0x03, 0x01]));
    await new Promise((resolve) => setTimeout(resolve, 50));

    // A fourth finds every slot taken: it evicts the one that waited longest (counted as overload).
    const evicted = once(silent[0], 'close');
    const fourth = await connect(port);
    await evicted;
    const failures = await registry.getSingleMetric('piko_relay_server_handshake_failures_total')?.get();
    expect(failures?.values.find((v) => v.labels.reason === 'overload')?.value).toBe(1);
    const holders = [...silent.slice(1), fourth];
    expect(holders.every((s) => !s.destroyed)).toBe(true);

    // Each is closed by the server at relay.header_timeout (600 ms), not held.
    const closed = Promise.all(holders.map((s) => once(s, 'close'))).then(() => 'closed');
    const held = new Promise<string>((resolve) => setTimeout(() => resolve('held'), 4_000).unref());
    expect(await Promise.race([closed, held])).toBe('closed');
  });
});
