import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server } from 'node:net';
import { type CertFiles, freePort, ManagedProcess, TestPki, waitFor } from '@piko/testing';
import { PIKO_BIN } from './support/piko';
import { RecordingService } from './support/recording-service';
import { httpsOutcome } from './support/tls-outcome';
import { curl } from './support/curl';
import { type ClusterNode, TestCluster } from './support/cluster';

jest.setTimeout(240_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a piko command to its end; the kill timeout only stops a hung one. */
function pikoToExit(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', [PIKO_BIN, ...args], { timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err ? (((err as { code?: number | string }).code as number | null) ?? null) : 0, stdout, stderr });
    });
  });
}

/** The lines of stderr that are not JSON log lines: what a command says when it gives up. */
const plainLines = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));

/** What a client's TLS settings are, as flags after `prefix` (connect.tls or admin.tls). */
type Verify = { rootCas?: string; serverName?: string; skip?: boolean };
const tlsFlags = (prefix: string, v: Verify) => [
  ...(v.rootCas ? [`--${prefix}.root-cas`, v.rootCas] : []),
  ...(v.serverName ? [`--${prefix}.server-name`, v.serverName] : []),
  ...(v.skip ? [`--${prefix}.insecure-skip-verify`] : []),
];

/** Writes `payload` to a TCP port and resolves with all that comes back before the close ('' when the connection is just closed). */
async function roundTrip(port: number, payload: string): Promise<string> {
  const socket = netConnect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    if (received.length >= payload.length) socket.end();
  });
  socket.write(payload);
  await once(socket, 'close');
  return received;
}

const UNTRUSTED = /TLS: the server's certificate is not trusted \(self-signed certificate\): give the CA that signed it in connect\.tls\.root_cas/;
const OTHER_HOST = /TLS: the server's certificate is not for this host \(.*altnames.*\): dial a name it was issued for, or set connect\.tls\.server_name to one/;

// The clients' side of TLS against a real `piko server` whose ports serve a self-signed
// certificate for `piko.test` only (no IP in it), dialed at 127.0.0.1: the agent, `piko
// forward` and `piko status` refuse it unless told to trust it (root_cas: the certificate
// itself) and which name to check (server_name), or told to skip verification altogether
// (insecure_skip_verify).
describe('clients verify the server: root_cas, server_name, insecure_skip_verify (agent, forward, status)', () => {
  let pki: TestPki;
  let selfSigned: CertFiles;
  let server: ManagedProcess;
  const service = new RecordingService();
  let echo: Server;
  let echoPort: number;
  const ports = { proxy: 0, upstream: 0, admin: 0 };
  const processes: ManagedProcess[] = [];
  const trusted = () => ({ ca: pki.read(selfSigned.cert), servername: 'piko.test' });

  /** An agent for `endpointId` with `verify`; resolves once it connected. */
  async function agentConnected(protocol: 'http' | 'tcp', endpointId: string, port: number, verify: Verify): Promise<ManagedProcess> {
    const agent = ManagedProcess.start(`agent ${endpointId}`, 'node', [
      PIKO_BIN, 'agent', protocol, endpointId, String(port), '--connect.url', `https://127.0.0.1:${ports.upstream}`, ...tlsFlags('connect.tls', verify),
    ]);
    processes.push(agent);
    await agent.waitForOutput('"connected"', 30_000);
    return agent;
  }

  /** The agent with `verify` gives up after --connect.timeout: its last words. */
  async function agentRefused(endpointId: string, verify: Verify): Promise<string[]> {
    const run = await pikoToExit(['agent', 'http', endpointId, String(service.port), '--connect.url', `https://127.0.0.1:${ports.upstream}`, '--connect.timeout', '2s', ...tlsFlags('connect.tls', verify)]);
    expect(run.code).toBe(1);
    expect(server.logs).not.toContain(`"endpointId":"${endpointId}"`);
    return plainLines(run.stderr);
  }

  /** `piko forward tcp` with `verify` to the echo endpoint; one connection's round trip, and the forward's logs. */
  async function forwardRoundTrip(verify: Verify): Promise<{ echoed: string; logs: string }> {
    const localPort = await freePort();
    const forward = ManagedProcess.start('piko forward', 'node', [
      PIKO_BIN, 'forward', 'tcp', String(localPort), 'echo-ep', '--connect.url', `https://127.0.0.1:${ports.proxy}`, ...tlsFlags('connect.tls', verify),
    ]);
    processes.push(forward);
    try {
      await forward.waitForOutput('"forwarding"', 30_000);
      const echoed = await roundTrip(localPort, 'ping over forward');
      if (echoed === '') await forward.waitForOutput('dial failed', 20_000);
      return { echoed, logs: forward.logs };
    } finally {
      await forward.stop();
    }
  }

  const status = (verify: Verify) => pikoToExit(['status', 'endpoints', '-o', 'json', '--admin.url', `https://127.0.0.1:${ports.admin}`, ...tlsFlags('admin.tls', verify)]);

  beforeAll(async () => {
    pki = TestPki.create();
    selfSigned = pki.selfSigned({ cn: 'piko.test', san: 'DNS:piko.test' });
    await service.listen();
    echo = createServer((socket) => socket.pipe(socket));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as { port: number }).port;
    [ports.proxy, ports.upstream, ports.admin] = [await freePort(), await freePort(), await freePort()];
    const tls = (port: string) => [`--${port}.tls.cert`, selfSigned.cert, `--${port}.tls.key`, selfSigned.key];
    server = ManagedProcess.start('piko server (self-signed)', 'node', [
      PIKO_BIN, 'server',
      '--proxy.bind-addr', `127.0.0.1:${ports.proxy}`, '--upstream.bind-addr', `127.0.0.1:${ports.upstream}`, '--admin.bind-addr', `127.0.0.1:${ports.admin}`,
      ...tls('proxy'), ...tls('upstream'), ...tls('admin'),
    ]);
    processes.push(server);
    await waitFor('piko server ready over TLS', async () => ((await httpsOutcome(`https://127.0.0.1:${ports.admin}/ready`, trusted())).status === 200 ? true : undefined), 60_000, () => server.exitedBefore('ready'));
    // The TCP endpoint piko forward reaches, served by an agent that trusts the certificate.
    await agentConnected('tcp', 'echo-ep', echoPort, { rootCas: selfSigned.cert, serverName: 'piko.test' });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await service.close();
    echo?.close();
    pki?.remove();
  });

  describe('piko agent', () => {
    it('without root_cas refuses the self-signed certificate, and says so', async () => {
      expect(await agentRefused('agent-no-ca', {})).toEqual([expect.stringMatching(UNTRUSTED)]);
    });

    it('trusting the certificate but dialing an IP it does not name refuses it, unless server_name names it', async () => {
      expect(await agentRefused('agent-no-name', { rootCas: selfSigned.cert })).toEqual([expect.stringMatching(OTHER_HOST)]);
      expect(await agentRefused('agent-other-name', { rootCas: selfSigned.cert, serverName: 'other.test' })).toEqual([expect.stringMatching(OTHER_HOST)]);
      await agentConnected('http', 'agent-named', service.port, { rootCas: selfSigned.cert, serverName: 'piko.test' });
      const res = await httpsOutcome(`https://127.0.0.1:${ports.proxy}/named`, { ...trusted(), headers: { 'x-piko-endpoint': 'agent-named' } });
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: 'served /named' });
    });

    it('with insecure_skip_verify connects and serves (no root_cas, no server_name)', async () => {
      await agentConnected('http', 'agent-skip', service.port, { skip: true });
      const res = await httpsOutcome(`https://127.0.0.1:${ports.proxy}/skipped`, { ...trusted(), headers: { 'x-piko-endpoint': 'agent-skip' } });
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: 'served /skipped' });
    });
  });

  describe('piko forward', () => {
    it('without root_cas carries nothing and logs why', async () => {
      const { echoed, logs } = await forwardRoundTrip({});
      expect(echoed).toBe('');
      expect(logs).toMatch(new RegExp(`"err":"[^"]*${UNTRUSTED.source}[^"]*","msg":"dial failed"`));
    });

    it('trusting the certificate, verifies the name: no server_name or another one fails, server_name piko.test carries', async () => {
      for (const serverName of [undefined, 'other.test']) {
        const { echoed, logs } = await forwardRoundTrip({ rootCas: selfSigned.cert, serverName });
        expect({ serverName, echoed }).toEqual({ serverName, echoed: '' });
        expect(logs).toMatch(OTHER_HOST);
      }
      expect((await forwardRoundTrip({ rootCas: selfSigned.cert, serverName: 'piko.test' })).echoed).toBe('ping over forward');
    });

    it('with insecure_skip_verify carries the connection', async () => {
      expect((await forwardRoundTrip({ skip: true })).echoed).toBe('ping over forward');
    });
  });

  describe('piko status', () => {
    it('without root_cas fails, naming the certificate problem', async () => {
      const run = await status({});
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(plainLines(run.stderr)).toEqual([
        expect.stringMatching(/^piko status: cannot reach the admin API at https:\/\/127\.0\.0\.1:\d+: TLS: the server's certificate is not trusted \(self-signed certificate\): give the CA that signed it in admin\.tls\.root_cas$/),
      ]);
    });

    it('trusting the certificate, verifies the name: no server_name or another one fails, server_name piko.test answers', async () => {
      for (const serverName of [undefined, 'other.test']) {
        const run = await status({ rootCas: selfSigned.cert, serverName });
        expect({ serverName, code: run.code === 0 }).toEqual({ serverName, code: false });
        expect(run.stderr).toMatch(/TLS: the server's certificate is not for this host \(.*altnames.*\): dial a name it was issued for, or set admin\.tls\.server_name to one/);
      }
      const named = await status({ rootCas: selfSigned.cert, serverName: 'piko.test' });
      expect(named.code).toBe(0);
      expect(named.stdout).toContain('echo-ep');
    });

    it('with insecure_skip_verify answers', async () => {
      const run = await status({ skip: true });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('echo-ep');
    });
  });
});

// The proxy's relay client (relay.tls.client.*) against gateways whose relay port serves the same
// kind of self-signed certificate: a proxy that cannot verify it reaches no upstream and says why;
// one with insecure_skip_verify (still authenticated by relay.secret) routes.
describe('the relay client verifies the gateway: root_cas, server_name, insecure_skip_verify (real cluster)', () => {
  let pki: TestPki;
  let cluster: TestCluster;
  let gateway: ClusterNode;
  let agent: ManagedProcess;
  let relayCert: CertFiles;
  const service = new RecordingService();

  beforeAll(async () => {
    pki = TestPki.create();
    relayCert = pki.selfSigned({ cn: 'relay.test', san: 'DNS:relay.test' });
    await service.listen();
    // relay.tls.cert on every node: gateways serve it, proxies then dial the relay over TLS.
    cluster = await TestCluster.start(['--relay.tls.cert', relayCert.cert, '--relay.tls.key', relayCert.key]);
    gateway = await cluster.gateway('gateway-self-signed');
    agent = ManagedProcess.start('agent relay-svc', 'node', [PIKO_BIN, 'agent', 'http', 'relay-svc', String(service.port), '--connect.url', gateway.url]);
    await agent.waitForOutput('"connected"', 30_000);
    // The proxy that verifies properly, to know the route is in Redis before the others are judged.
    const verifying = await cluster.proxy('proxy-named', ['--relay.tls.client.root-cas', relayCert.cert, '--relay.tls.client.server-name', 'relay.test']);
    await waitFor('relay-svc routed', async () => ((await curl(['-H', 'x-piko-endpoint: relay-svc', `${verifying.url}/named`])).status === 200 ? true : undefined), 30_000);
  });

  afterAll(async () => {
    await agent?.stop();
    await cluster?.stop();
    await service.close();
    pki?.remove();
  });

  it('without root_cas, or trusting it for another name, the proxy reaches nothing (502) and logs why', async () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['proxy-no-ca', [], /"err":"cannot connect to gateway relay [^"]+: TLS: the server's certificate is not trusted \(self-signed certificate\): give the CA that signed it in relay\.tls\.client\.root_cas"[^}]*"msg":"relay connect failed"/],
      ['proxy-other-name', ['--relay.tls.client.root-cas', relayCert.cert, '--relay.tls.client.server-name', 'other.test'], /"err":"cannot connect to gateway relay [^"]+: TLS: the server's certificate is not for this host \(Hostname\/IP does not match certificate's altnames[^"]*\): dial a name it was issued for, or set relay\.tls\.client\.server_name to one"[^}]*"msg":"relay connect failed"/],
    ];
    for (const [name, args, why] of cases) {
      const before = service.requests.length;
      const proxy = await cluster.proxy(name, args);
      const res = await curl(['-H', 'x-piko-endpoint: relay-svc', `${proxy.url}/${name}`]);
      expect({ name, status: res.status }).toEqual({ name, status: 502 });
      expect(service.requests.slice(before)).toEqual([]);
      await waitFor(`${name} logs why`, () => (why.test(proxy.process.logs) ? true : undefined), 20_000).catch((err: Error) => { throw new Error(`${err.message}\n${proxy.process.logs}`); });
    }
  });

  it('with insecure_skip_verify (no root_cas) the proxy routes', async () => {
    const proxy = await cluster.proxy('proxy-skip', ['--relay.tls.client.insecure-skip-verify']);
    const res = await curl(['-H', 'x-piko-endpoint: relay-svc', `${proxy.url}/skipped`]);
    expect(res).toEqual({ status: 200, body: 'served /skipped' });
  });
});
