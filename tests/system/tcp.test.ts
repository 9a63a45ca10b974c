import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dialer, type Listener, serveHttp, Upstream } from '@piko/client';
import { freePort, type ManagedProcess, RedisServer, waitFor } from '@piko/testing';
import { curl } from './support/curl';
import { type PikoServer, startPikoServer } from './support/piko';
import { startTcpAgent, startTcpForward, type TcpRoute } from './support/piko-tcp';
import { PostgresServer } from './support/postgres-server';
import { SshServer } from './support/sshd-server';
import { requireTool, run } from './support/system-tools';
import { patternSha256, TcpTestService, writePattern } from './support/tcp-test-service';

jest.setTimeout(240_000);

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function dialLocal(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads a socket to EOF; rejects on error. */
function readToEnd(socket: NodeJS.ReadableStream & { once: Socket['once'] }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/** Hashes a socket's bytes to EOF without keeping them. */
function hashToEnd(socket: Socket): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    socket.once('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
    socket.once('error', reject);
  });
}

// Real TCP protocols through the tunnel as a user sets it up: `piko server`, `piko agent start`
// with `protocol: tcp` listeners, `piko forward start` with `ports:`, then clients nobody here wrote.
describe('raw TCP: piko agent tcp + piko forward tcp', () => {
  let dir: string;
  let server: PikoServer;
  let redis: RedisServer;
  let service: TcpTestService;
  let agent: ManagedProcess;
  let forward: ManagedProcess;
  const routes: Record<'redis' | 'pg' | 'ssh' | 'svc', TcpRoute> = {} as never;
  let pgPort: number;
  let sshPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'piko-tcp-test-'));
    redis = await RedisServer.start();
    service = new TcpTestService();
    const servicePort = await service.listen();
    // PostgreSQL and sshd start in their own tests (so a missing binary fails only those); the
    // agent dials the local service per connection, so their ports can be reserved now.
    pgPort = await freePort();
    sshPort = await freePort();
    routes.redis = { endpointId: 'tcp-redis', addr: `127.0.0.1:${redis.port}`, forwardPort: await freePort() };
    routes.pg = { endpointId: 'tcp-pg', addr: `127.0.0.1:${pgPort}`, forwardPort: await freePort() };
    routes.ssh = { endpointId: 'tcp-ssh', addr: `127.0.0.1:${sshPort}`, forwardPort: await freePort() };
    routes.svc = { endpointId: 'tcp-svc', addr: `127.0.0.1:${servicePort}`, forwardPort: await freePort() };
    server = await startPikoServer();
    agent = await startTcpAgent(Object.values(routes), server.upstreamUrl, dir);
    forward = await startTcpForward(Object.values(routes), server.proxyUrl, dir);
  });

  afterAll(async () => {
    await forward?.stop();
    await agent?.stop();
    await server?.process.stop();
    await service?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('redis-cli: PING, SET/GET, and a 5 MiB value', async () => {
    const cli = requireTool('redis-cli', 'redis-tools');
    const port = String(routes.redis.forwardPort);
    expect((await run(cli, ['-p', port, 'PING'])).stdout).toBe('PONG\n');
    expect((await run(cli, ['-p', port, 'SET', 'greeting', 'hello through piko'])).stdout).toBe('OK\n');
    expect((await run(cli, ['-p', port, 'GET', 'greeting'])).stdout).toBe('hello through piko\n');

    const big = randomBytes(5 * 1024 * 1024 * 3 / 4).toString('base64'); // 5 MiB of text
    expect((await run(cli, ['-p', port, '-x', 'SET', 'big'], { input: big })).stdout).toBe('OK\n');
    const got = (await run(cli, ['-p', port, 'GET', 'big'])).stdout;
    expect(got.length).toBe(big.length + 1);
    expect(sha256(got.slice(0, -1))).toBe(sha256(big));
    // And the value really is in this redis-server, not somewhere else.
    expect((await run(cli, ['-p', String(redis.port), 'STRLEN', 'big'])).stdout).toBe(`${big.length}\n`);
  });

  it('redis-benchmark completes through the tunnel (req/s printed next to direct)', async () => {
    const bench = requireTool('redis-benchmark', 'redis-tools');
    const args = ['-q', '-n', '20000', '-c', '50', '-t', 'get,set'];
    const direct = await run(bench, ['-p', String(redis.port), ...args], { timeoutMs: 120_000 });
    const tunnel = await run(bench, ['-p', String(routes.redis.forwardPort), ...args], { timeoutMs: 120_000 });
    const rates = (out: string) => Object.fromEntries([...out.matchAll(/(SET|GET): ([\d.]+) requests per second/g)].map((m) => [m[1], Number(m[2])]));
    const d = rates(direct.stdout.replace(/\r/g, '\n'));
    const t = rates(tunnel.stdout.replace(/\r/g, '\n'));
    expect(Object.keys(t).sort()).toEqual(['GET', 'SET']);
    expect(`${tunnel.stdout}${tunnel.stderr}`).not.toMatch(/error/i);
    console.log(
      `redis-benchmark -n 20000 -c 50: SET ${t.SET} req/s via piko vs ${d.SET} direct (${(t.SET / d.SET).toFixed(2)}x); ` +
        `GET ${t.GET} req/s via piko vs ${d.GET} direct (${(t.GET / d.GET).toFixed(2)}x)`,
    );
  });

  it('psql: select 1 and a multi-megabyte result, identical to a direct query', async () => {
    const psql = requireTool('psql', 'postgresql-client');
    const pg = await PostgresServer.start(pgPort);
    try {
      const through = ['-h', '127.0.0.1', '-p', String(routes.pg.forwardPort), '-U', 'postgres', '-d', 'postgres', '-At', '-v', 'ON_ERROR_STOP=1'];
      expect((await run(psql, [...through, '-c', 'select 1'])).stdout).toBe('1\n');
      const query = "select i, md5(i::text), repeat('x', 50) from generate_series(1, 100000) i";
      const viaPiko = (await run(psql, [...through, '-c', query])).stdout;
      const direct = (await run(psql, ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', '-d', 'postgres', '-At', '-c', query])).stdout;
      expect(viaPiko.length).toBeGreaterThan(8_000_000);
      expect(sha256(viaPiko)).toBe(sha256(direct));
      // Data flows the other way too: a large COPY-free insert, then its checksum.
      await run(psql, [...through, '-c', "create table t as select i, md5(i::text) m from generate_series(1, 50000) i"]);
      expect((await run(psql, [...through, '-c', 'select count(*) from t'])).stdout).toBe('50000\n');
    } finally {
      await pg.stop();
    }
  });

  it('ssh: 10 MB down and 10 MB up, checksummed by the remote shell', async () => {
    const ssh = requireTool('ssh', 'openssh-client');
    const sshd = await SshServer.start(sshPort);
    try {
      const args = sshd.sshArgs(routes.ssh.forwardPort);
      const zeros = sha256(Buffer.alloc(10_000_000));
      expect((await run(ssh, [...args, 'head -c 10000000 /dev/zero | sha256sum'])).stdout).toBe(`${zeros}  -\n`);
      const upload = randomBytes(7_500_000).toString('base64'); // 10 MB
      expect((await run(ssh, [...args, 'sha256sum'], { input: upload })).stdout).toBe(`${sha256(upload)}  -\n`);
    } finally {
      await sshd.stop();
    }
  });

  it('half-close: a client that shuts its write side still receives the whole 1 MiB reply', async () => {
    const socket = await dialLocal(routes.svc.forwardPort);
    const reply = readToEnd(socket);
    socket.write('reply 1048576\n');
    socket.write(randomBytes(100_000)); // the request body the service reads to EOF
    socket.end();
    const got = await reply;
    const body = got.subarray(0, 1048576);
    const trailer = got.subarray(1048576).toString();
    expect(body.length).toBe(1048576);
    expect(trailer).toBe(`\n${sha256(body)}\n`);
    expect(sha256(body)).toBe(patternSha256(1048576));
  });

  it('half-close the other way: the service ends first, the client keeps sending', async () => {
    const socket = await dialLocal(routes.svc.forwardPort);
    const got = readToEnd(socket);
    socket.write('source 5000\n');
    expect((await got).length).toBe(5000); // service's FIN arrived
    // Our side is still writable and the tunnel still carries it; then both FINs close cleanly.
    const closed = new Promise<boolean>((resolve) => socket.once('close', resolve));
    socket.end(randomBytes(300_000));
    expect(await closed).toBe(false); // hadError
  });

  it('256 MiB each way with sha256', async () => {
    const total = 256 * 1024 * 1024;
    const expected = patternSha256(total);

    const up = await dialLocal(routes.svc.forwardPort);
    const answer = readToEnd(up);
    up.write('sink\n');
    let started = performance.now();
    writePattern(up, total, () => up.end());
    const [bytes, digest] = (await answer).toString().trim().split(' ');
    const upSeconds = (performance.now() - started) / 1000;
    expect(Number(bytes)).toBe(total);
    expect(digest).toBe(expected);

    const down = await dialLocal(routes.svc.forwardPort);
    started = performance.now();
    const received = hashToEnd(down);
    down.end(`source ${total}\n`);
    expect(await received).toEqual({ bytes: total, sha256: expected });
    const downSeconds = (performance.now() - started) / 1000;
    const gbit = (s: number) => ((total * 8) / s / 1e9).toFixed(2);
    console.log(`256 MiB through agent tcp + forward tcp: up ${gbit(upSeconds)} Gbit/s, down ${gbit(downSeconds)} Gbit/s`);
  });

  it('200 concurrent connections each exchange data', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const payload = randomBytes(64 * 1024);
        const socket = await dialLocal(routes.svc.forwardPort);
        const echoed = readToEnd(socket);
        socket.write('echo\n');
        socket.end(payload);
        return sha256(await echoed) === sha256(payload);
      }),
    );
    expect(results.filter(Boolean).length).toBe(200);
  });

  it('a reset from the client resets the connection to the service', async () => {
    const socket = await dialLocal(routes.svc.forwardPort);
    socket.write('echo\nping');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const reset = service.nextReset();
    socket.resetAndDestroy();
    await reset;
    expect(service.resets).toContain('ECONNRESET');
  });

  it('a reset from the service resets the client connection', async () => {
    const socket = await dialLocal(routes.svc.forwardPort);
    const outcome = new Promise<string>((resolve) => {
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      socket.once('end', () => resolve('clean end'));
    });
    socket.write('reset\n');
    socket.resume();
    expect(await outcome).toBe('ECONNRESET');
  });

  it('Dialer.dial from the SDK half-closes too', async () => {
    const conn = await new Dialer({ url: server.proxyUrl }).dial(routes.svc.endpointId);
    const got = readToEnd(conn as never);
    conn.write('reply 300000\n');
    conn.end();
    const reply = await got;
    expect(reply.subarray(300000).toString()).toBe(`\n${patternSha256(300000)}\n`);
  });
});

describe('SDK listener (Upstream.listen + Node http server)', () => {
  let server: PikoServer;
  let listener: Listener | undefined;
  let http: HttpServer;

  beforeAll(async () => {
    server = await startPikoServer();
    http = createHttpServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ from: 'sdk', url: req.url }));
    });
  });

  afterAll(async () => {
    listener?.shutdown();
    http?.close();
    await server?.process.stop();
  });

  it('serves curl through the proxy, and again after piko server restarts on the same ports', async () => {
    listener = await new Upstream({ url: server.upstreamUrl, minReconnectBackoff: 50, maxReconnectBackoff: 500 }).listen('sdk-http');
    serveHttp(listener, http);
    const ask = () => curl(['-H', 'x-piko-endpoint: sdk-http', `${server.proxyUrl}/hello?n=1`]);
    await waitFor('route to sdk-http', async () => ((await ask()).status === 200 ? true : undefined));
    expect(JSON.parse((await ask()).body)).toEqual({ from: 'sdk', url: '/hello?n=1' });

    const sdk = listener;
    const reconnecting = new Promise<void>((resolve) => sdk.once('reconnecting', () => resolve()));
    await server.process.stop();
    await reconnecting;
    expect(sdk.connected).toBe(false);
    const reconnected = new Promise<void>((resolve) => sdk.once('connected', () => resolve()));
    server = await startPikoServer([], { proxyPort: server.proxyPort, upstreamPort: server.upstreamPort, adminPort: server.adminPort });
    await reconnected;
    await waitFor('route to sdk-http after restart', async () => ((await ask()).status === 200 ? true : undefined));
    expect(JSON.parse((await ask()).body)).toEqual({ from: 'sdk', url: '/hello?n=1' });
  });
});
