import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { freePort, ManagedProcess, TestPki } from '@piko/testing';
import { PIKO_BIN, type PikoServer, startPikoServer } from './support/piko';

// Connect errors say what to fix: the agent pointed at the wrong Piko port says so; a connect
// that gives up names the URL and the cause; the cluster roles name the Redis/NATS URL they
// cannot reach (password redacted) and why.

jest.setTimeout(60_000);

/** Runs a piko command to its end; the kill timeout only stops a hung one. */
function piko(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [PIKO_BIN, ...args], { timeout: 30_000, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      resolve({ code: err ? (((err as { code?: number | string }).code as number | null) ?? null) : 0, stderr });
    });
  });
}

/** stderr without the JSON log lines. */
const plainLines = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));

describe('piko agent pointed at the wrong place', () => {
  let server: PikoServer;

  beforeAll(async () => {
    server = await startPikoServer();
  });

  afterAll(async () => {
    await server?.process.stop();
  });

  it("the proxy port: says it is not Piko's upstream port, exit 1 at once", async () => {
    const { code, stderr } = await piko(['agent', 'http', 'my-service', '3000', '--connect.url', server.proxyUrl]);
    expect(code).toBe(1);
    expect(plainLines(stderr)).toEqual([
      `piko agent: connect ws://127.0.0.1:${server.proxyPort}/piko/v1/upstream/my-service: not Piko's upstream port: ` +
        `it answered 400 "missing endpoint id" as Piko's proxy port does (the upstream port is 8001 by default); check --connect.url`,
    ]);
  });

  it("the admin port: says it is not Piko's upstream port, exit 1 at once", async () => {
    const { code, stderr } = await piko(['agent', 'http', 'my-service', '3000', '--connect.url', server.adminUrl]);
    expect(code).toBe(1);
    expect(plainLines(stderr)).toEqual([
      `piko agent: connect ws://127.0.0.1:${server.adminPort}/piko/v1/upstream/my-service: not Piko's upstream port: ` +
        `it answered 404 "not found" (the upstream port is 8001 by default); check --connect.url`,
    ]);
  });

  it('nothing listening: retries, then gives up naming the URL, ECONNREFUSED and the limit', async () => {
    const port = await freePort();
    const { code, stderr } = await piko(['agent', 'tcp', 'my-db', '5432', '--connect.url', `http://127.0.0.1:${port}`, '--connect.timeout', '1s']);
    expect(code).toBe(1);
    expect(plainLines(stderr)).toEqual([
      `piko agent: connect ws://127.0.0.1:${port}/piko/v1/upstream/my-db: connect ECONNREFUSED 127.0.0.1:${port} (gave up after 1 s: --connect.timeout)`,
    ]);
    expect(stderr).not.toContain('the operation was aborted');
  });

  it('https:// to a plain port: says the port does not speak TLS', async () => {
    const { code, stderr } = await piko(['agent', 'http', 'my-service', '3000', '--connect.url', `https://127.0.0.1:${server.upstreamPort}`, '--connect.timeout', '1s']);
    expect(code).toBe(1);
    expect(plainLines(stderr)).toEqual([
      `piko agent: connect wss://127.0.0.1:${server.upstreamPort}/piko/v1/upstream/my-service: TLS handshake failed: ` +
        'the server does not speak TLS on this port (dial it with http://) (gave up after 1 s: --connect.timeout)',
    ]);
  });

  it("piko forward at the upstream port: each dial failure says it is not Piko's proxy port", async () => {
    const localPort = await freePort();
    const forward = ManagedProcess.start('piko forward', 'node', [PIKO_BIN, 'forward', 'tcp', String(localPort), 'my-db', '--connect.url', server.upstreamUrl]);
    try {
      await forward.waitForOutput('"forwarding"');
      const socket = connect(localPort, '127.0.0.1');
      socket.on('error', () => undefined);
      await forward.waitForOutput('dial failed');
      socket.destroy();
      expect(forward.logs).toContain(
        `connect ws://127.0.0.1:${server.upstreamPort}/_piko/v1/tcp/my-db: not Piko's proxy port: it answered 404 \\"not found\\" (the proxy port is 8000 by default)`,
      );
    } finally {
      await forward.stop();
    }
  });
});

describe('piko agent dialing a TLS upstream port with http://', () => {
  it('says the server hung up and suggests https://', async () => {
    const pki = TestPki.create();
    const cert = pki.issue({ cn: 'upstream' });
    const server = await startPikoServer(['--upstream.tls.cert', cert.cert, '--upstream.tls.key', cert.key]);
    try {
      const { code, stderr } = await piko(['agent', 'http', 'my-service', '3000', '--connect.url', server.upstreamUrl, '--connect.timeout', '1s']);
      expect(code).toBe(1);
      expect(plainLines(stderr)).toEqual([
        `piko agent: connect ws://127.0.0.1:${server.upstreamPort}/piko/v1/upstream/my-service: socket hang up: ` +
          'the server closed the connection without answering (a TLS port dialed with http://?) (gave up after 1 s: --connect.timeout)',
      ]);
    } finally {
      await server.process.stop();
      pki.remove();
    }
  });
});

describe('unknown subcommands', () => {
  it.each([
    ['agent', 'udp', 'http, tcp, start'],
    ['forward', 'udp', 'tcp, start'],
  ])('piko %s %s names it and the ones that exist, exit 2', async (command, sub, known) => {
    const { code, stderr } = await piko([command, sub, 'x', '1']);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(`piko ${command}: unknown subcommand "${sub}"; want one of: ${known}`);
    expect(stderr).toContain('Usage:');
  });
});

describe('cluster roles that cannot reach Redis or NATS', () => {
  it('name each URL (password redacted) and the cause, not the client library', async () => {
    const [redisPort, natsPort] = [await freePort(), await freePort()];
    const redisUrl = `redis://:hunter2-redis@127.0.0.1:${redisPort}`;
    const natsUrl = `nats://piko:hunter2-nats@127.0.0.1:${natsPort}`;
    const gateway = ManagedProcess.start('piko gateway', 'node', [
      PIKO_BIN, 'gateway',
      '--cluster.redis-url', redisUrl,
      '--cluster.nats-url', natsUrl,
      '--upstream.bind-addr', '127.0.0.1:0',
      '--relay.bind-addr', '127.0.0.1:0',
      '--relay.secret', 'connect-errors-relay-secret',
      '--ops.bind-addr', '127.0.0.1:0',
      // A sweep at once: a registry command that fails while Redis is away.
      '--cluster.registry.sweep-interval', '100ms',
    ]);
    try {
      await gateway.waitForOutput('cannot reach redis', 20_000);
      await gateway.waitForOutput('cannot reach nats', 20_000);
      await gateway.waitForOutput('sweep failed', 20_000);
      const lines = gateway.logs.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; url?: string; err?: string });
      expect(lines.find((l) => l.msg === 'cannot reach redis; retrying')).toMatchObject({
        url: `redis://:***@127.0.0.1:${redisPort}`,
        err: `connect ECONNREFUSED 127.0.0.1:${redisPort}`,
      });
      expect(lines.find((l) => l.msg === 'cannot reach nats; retrying')).toMatchObject({
        url: `nats://piko:***@127.0.0.1:${natsPort}`,
        err: `connect ECONNREFUSED 127.0.0.1:${natsPort}`,
      });
      // A registry command's failure names Redis and the cause, not ioredis' "maxRetriesPerRequest".
      expect(lines.find((l) => l.msg === 'sweep failed; will retry')).toMatchObject({
        err: `redis redis://:***@127.0.0.1:${redisPort}: connect ECONNREFUSED 127.0.0.1:${redisPort}`,
      });
      expect(gateway.logs).not.toContain('maxRetriesPerRequest');
      expect(gateway.logs).not.toContain('hunter2');
    } finally {
      await gateway.stop();
    }
  });
});
