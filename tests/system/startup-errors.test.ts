import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { freePort, NatsServer, RedisServer } from '@piko/testing';
import { PIKO_BIN } from './support/piko';

// Start-up failures a user makes (a port another process holds, an address this host does not
// have) end the process with ONE line naming the flag, the address and the cause, and exit 1,
// whether it was started as `piko <role>` or as its container's `node dist/apps/<app>/main.js`.
// Config errors, found before anything starts, exit 2 (tests/system/cli.test.ts).

jest.setTimeout(60_000);

const APP = (name: string) => join(__dirname, '../../dist/apps', name, 'main.js');

interface Result {
  code: number | null;
  stderr: string;
}

/** Runs a process to its end. The kill timeout only stops a hung process (the bug this guards). */
function run(script: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile('node', [script, ...args], { timeout: 30_000, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number | string }).code as number | null) ?? null : 0, stderr });
    });
  });
}

/** stderr without the JSON log lines the process wrote while starting. */
function plainLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));
}

/** A port held by this test, as another program would hold it. */
async function occupy(): Promise<{ server: Server; addr: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, addr: `127.0.0.1:${port}` };
}

const free = async () => `127.0.0.1:${await freePort()}`;

describe('piko server: a port in use', () => {
  it.each(['proxy', 'upstream', 'admin'])('--%s.bind-addr taken: one line naming flag and address, exit 1', async (port) => {
    const taken = await occupy();
    try {
      const addrs: Record<string, string> = { proxy: await free(), upstream: await free(), admin: await free(), [port]: taken.addr };
      const { code, stderr } = await run(PIKO_BIN, [
        'server',
        '--proxy.bind-addr', addrs.proxy,
        '--upstream.bind-addr', addrs.upstream,
        '--admin.bind-addr', addrs.admin,
      ]);
      expect(code).toBe(1);
      expect(plainLines(stderr)).toEqual([`piko: --${port}.bind-addr ${taken.addr}: address already in use`]);
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      taken.server.close();
    }
  });

  it('an address this host does not have is named with its flag, exit 1', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a host.
    const { code, stderr } = await run(PIKO_BIN, [
      'server',
      '--proxy.bind-addr', await free(),
      '--upstream.bind-addr', await free(),
      '--admin.bind-addr', '192.0.2.1:0',
    ]);
    expect(code).toBe(1);
    expect(plainLines(stderr)).toEqual(['piko: --admin.bind-addr 192.0.2.1:0: address not available on this host']);
  });
});

describe('config errors found at start', () => {
  it.each([
    [['gateway'], 'config: cluster.redis_url and cluster.nats_url are required for this role (--cluster.redis-url, --cluster.nats-url)'],
    [['proxy', '--cluster.nats-url', 'nats://127.0.0.1:4222'], 'config: cluster.redis_url is required when cluster.nats_url is set'],
    [['server', 'extra'], 'config: unexpected arguments: extra'],
    // Longer than a Node timer holds: it would fire at once (every request a 504 after 1 ms).
    [
      ['server', '--proxy.timeout', '720h'],
      'config: proxy.timeout: must be at most 596h31m23.647s (2147483647 ms, the longest timer Node.js supports) (got 720h)',
    ],
    [
      ['agent', 'http', 'my-service', '3000', '--connect.timeout', '1000h'],
      'config: connect.timeout: must be at most 596h31m23.647s (2147483647 ms, the longest timer Node.js supports) (got 1000h)',
    ],
    // A config file read without a bound: /dev/zero would be read until memory ran out.
    [
      ['server', '--config.path', '/dev/zero'],
      'config: read file: /dev/zero: larger than 1048576 bytes (--config.max-bytes); a Piko config is a few kilobytes, is this the right file?',
    ],
  ])('piko %j: one line, one "config:" prefix, exit 2', async (args, line) => {
    const { code, stderr } = await run(PIKO_BIN, args);
    expect(code).toBe(2);
    expect(plainLines(stderr)).toEqual([line]);
  });
});

describe('agent and forward', () => {
  it('piko forward: a local port in use is named, exit 1', async () => {
    const taken = await occupy();
    try {
      const { code, stderr } = await run(PIKO_BIN, ['forward', 'tcp', taken.addr, 'my-db']);
      expect(code).toBe(1);
      expect(plainLines(stderr)).toEqual([`piko forward: local port ${taken.addr}: address already in use`]);
    } finally {
      taken.server.close();
    }
  });

  it('piko agent: an unreadable TLS file is named with its key and flag, exit 2', async () => {
    const missing = join(__dirname, 'no-such-ca.pem');
    const { code, stderr } = await run(PIKO_BIN, ['agent', 'http', 'my-service', '3000', '--connect.tls.root-cas', missing]);
    expect(code).toBe(2);
    expect(plainLines(stderr)).toEqual([`config: connect.tls.root_cas (--connect.tls.root-cas): cannot read ${missing}: ENOENT`]);
  });
});

describe('cluster roles and container entry points: a port in use', () => {
  let redis: RedisServer;
  let nats: NatsServer;

  beforeAll(async () => {
    [redis, nats] = await Promise.all([RedisServer.start(), NatsServer.start()]);
  });

  afterAll(async () => {
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  const cluster = () => ['--cluster.redis-url', redis.url, '--cluster.nats-url', nats.url];
  // Proxies and gateways refuse to start without an authenticated relay link.
  const relaySecret = ['--relay.secret', 'startup-errors-test-secret-0123456789'];

  // How it is started, the flag to collide on, the role's other ports, and whether it has a relay link.
  const cases: { name: string; argv: string[]; port: string; others: string[]; relay: boolean }[] = [
    { name: 'piko proxy', argv: [PIKO_BIN, 'proxy'], port: 'proxy', others: ['ops'], relay: true },
    { name: 'node dist/apps/proxy/main.js', argv: [APP('proxy')], port: 'proxy', others: ['ops'], relay: true },
    { name: 'node dist/apps/proxy/main.js', argv: [APP('proxy')], port: 'ops', others: ['proxy'], relay: true },
    { name: 'piko gateway', argv: [PIKO_BIN, 'gateway'], port: 'upstream', others: ['relay', 'ops'], relay: true },
    { name: 'node dist/apps/upstream-gateway/main.js', argv: [APP('upstream-gateway')], port: 'relay', others: ['upstream', 'ops'], relay: true },
    { name: 'node dist/apps/upstream-gateway/main.js', argv: [APP('upstream-gateway')], port: 'upstream', others: ['relay', 'ops'], relay: true },
    { name: 'piko admin', argv: [PIKO_BIN, 'admin'], port: 'admin', others: [], relay: false },
    { name: 'node dist/apps/admin/main.js', argv: [APP('admin')], port: 'admin', others: [], relay: false },
  ];

  const named = cases.map((c) => ({ ...c, flag: `--${c.port}.bind-addr` }));
  it.each(named)('$name with $flag taken exits 1 with one line', async ({ argv, port, others, relay }) => {
    const taken = await occupy();
    try {
      const [script, ...role] = argv;
      const args = [...role, ...cluster(), ...(relay ? relaySecret : []), `--${port}.bind-addr`, taken.addr];
      for (const other of others) args.push(`--${other}.bind-addr`, await free());
      const { code, stderr } = await run(script, args);
      expect(code).toBe(1);
      expect(plainLines(stderr)).toEqual([`piko: --${port}.bind-addr ${taken.addr}: address already in use`]);
    } finally {
      taken.server.close();
    }
  });
});
