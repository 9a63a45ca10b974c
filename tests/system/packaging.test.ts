// The packages a user installs on another machine, without this repository (tools/pack.mjs,
// tools/sea.mjs): packed here, installed into empty temp folders with `npm install --offline` and
// an EMPTY npm cache (so nothing can come from the registry or from this machine's cache), then
// run against a real `piko server` and compared with the direct path to the same local service.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ManagedProcess } from '@piko/testing';
import { curl } from './support/curl';
import { type PikoServer, startPikoServer, waitForRoute } from './support/piko';

jest.setTimeout(240_000);

const root = join(__dirname, '../..');
const packages = join(root, 'dist/packages');
// The version `piko --version` prints and the CLI tarball's name carries.
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

/** The environment without what would let an installed package find this repository's files. */
function isolatedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_PATH' && !key.toLowerCase().startsWith('npm_')));
}

/** Runs a program to completion in `cwd`; rejects with its output when it exits non-zero. */
function run(command: string, args: string[], cwd: string = root, env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: { ...isolatedEnv(), ...env }, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      resolve({ stdout, stderr });
    });
  });
}

/** `npm install --offline` with a fresh, empty cache: the registry and ~/.npm are out of reach. */
function npmInstallOffline(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('npm', ['install', '--offline', '--cache', join(cwd, '.npm-cache'), '--no-audit', '--no-fund', ...args], cwd);
}

/** A local HTTP service, the thing behind the NAT: says who it is and what it was asked. */
async function startLocalService(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ service: 'local', method: req.method, url: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** `piko agent http|tcp` from an installed package, registered with `upstreamUrl`. */
async function startAgent(command: string, endpointId: string, port: number, upstreamUrl: string, protocol: 'http' | 'tcp' = 'http'): Promise<ManagedProcess> {
  const agent = ManagedProcess.start(`${command} agent`, command, ['agent', protocol, endpointId, `127.0.0.1:${port}`, '--connect.url', upstreamUrl], isolatedEnv());
  await agent.waitForOutput(/"msg":"connected"/, 60_000);
  return agent;
}

/** A local TCP echo service that answers once the client half-closes. */
async function startEchoService(): Promise<{ server: NetServer; port: number }> {
  const server = createNetServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends `data`, half-closes, and reads the reply to EOF. */
function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end(data));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.once('error', reject);
  });
}

/** curl through the proxy and straight to the service answer the same. */
async function expectTunnelMatchesDirect(proxyUrl: string, endpointId: string, port: number): Promise<void> {
  await waitForRoute(proxyUrl, endpointId);
  const direct = await curl([`http://127.0.0.1:${port}/hello?via=piko`]);
  const tunnelled = await curl(['-H', `x-piko-endpoint: ${endpointId}`, `${proxyUrl}/hello?via=piko`]);
  expect(direct).toEqual({ status: 200, body: JSON.stringify({ service: 'local', method: 'GET', url: '/hello?via=piko' }) });
  expect(tunnelled).toEqual(direct);
}

// Uses the installed SDK end to end; compiled by TypeScript against the installed .d.ts files.
const SDK_CONSUMER = `
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Dialer, serveHttp, Upstream, type Listener } from '@piko/client';

const readAll = (stream: Duplex): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString()));
    stream.once('error', reject);
  });

async function main(): Promise<void> {
  const upstream = new Upstream({ url: process.env.PIKO_UPSTREAM_URL! });
  // A TCP echo service on one endpoint, an HTTP server on another, both without a local port.
  const echo: Listener = await upstream.listen('sdk-echo');
  echo.on('connection', (conn: Duplex) => conn.pipe(conn));
  const web = await upstream.listen('sdk-web');
  serveHttp(web, createServer((req, res) => res.end('sdk says ' + req.url)));

  const conn = await new Dialer({ url: process.env.PIKO_PROXY_URL! }).dial('sdk-echo');
  const echoed = readAll(conn);
  conn.end('hello through piko'); // half-close: the echo still comes back
  const res = await fetch(process.env.PIKO_PROXY_URL + '/from-sdk', { headers: { 'x-piko-endpoint': 'sdk-web' } });
  process.stdout.write(JSON.stringify({ tcp: await echoed, http: { status: res.status, body: await res.text() } }));
  await Promise.all([echo.close(), web.close()]);
}

main().catch((err: unknown) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err));
  process.exitCode = 1;
});
`;

describe('installing piko on another machine', () => {
  let server: PikoServer;
  let local: { server: Server; port: number };
  let work: string;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    // The packaging tools as a user runs them, from the build the system tests use.
    await Promise.all([run(process.execPath, [join(root, 'tools/pack.mjs')]), run(process.execPath, [join(root, 'tools/sea.mjs')])]);
    work = mkdtempSync(join(tmpdir(), 'piko-packaging-'));
    [server, local] = await Promise.all([startPikoServer(), startLocalService()]);
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  });

  afterAll(async () => {
    await server?.process.stop();
    await new Promise((resolve) => local?.server.close(resolve));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('each artifact has a checksum file that sha256sum -c accepts', async () => {
    const artifacts = [`piko-cli-${version}.tgz`, `piko-client-${version}.tgz`, `piko-${process.platform}-${process.arch}`];
    const checked = await run('sha256sum', ['-c', ...artifacts.map((file) => `${file}.sha256`)], packages);
    expect(checked.stdout.trim().split('\n')).toEqual(artifacts.map((file) => `${file}: OK`));
  });

  it('the CLI tarball installs offline into an empty prefix, and its agent serves a local service through the server', async () => {
    const tarball = join(packages, `piko-cli-${version}.tgz`);
    const prefix = join(work, 'cli');
    mkdirSync(prefix);
    await npmInstallOffline(prefix, ['--global', '--prefix', prefix, tarball]);
    const piko = join(prefix, 'bin/piko');

    // Self-contained: the installed package holds the bundle and the native addon, nothing else.
    const installed = join(prefix, 'lib/node_modules/@piko/cli');
    expect(readdirSync(join(installed, 'node_modules')).filter((name) => !name.startsWith('.')).sort()).toEqual(['bufferutil', 'node-gyp-build']);
    expect(readFileSync(join(installed, 'THIRD-PARTY-NOTICES.md'), 'utf8')).toContain('## @nestjs/core@');
    // The bundle's one external require, ws's optional bufferutil, finds the copy shipped inside.
    const resolved = await run(process.execPath, ['-p', `require.resolve('bufferutil', { paths: [${JSON.stringify(join(installed, 'bin'))}] })`], work);
    expect(resolved.stdout.trim()).toBe(join(installed, 'node_modules/bufferutil/index.js'));
    expect((await run(piko, ['--help'])).stdout).toContain('Usage: piko <command>');
    expect((await run(piko, ['--version'])).stdout).toBe(`piko version ${version}\n`);

    agents.push(await startAgent(piko, 'from-tarball', local.port, server.upstreamUrl));
    await expectTunnelMatchesDirect(server.proxyUrl, 'from-tarball', local.port);
  });

  it('the SDK tarball installs offline with its dependencies, its types compile in an empty TypeScript project, and Upstream.listen/Dialer.dial work through the server', async () => {
    const project = join(work, 'sdk');
    mkdirSync(project);
    const deps = readdirSync(join(packages, 'client-deps')).map((file) => join(packages, 'client-deps', file));
    expect(deps.map((file) => file.replace(/.*\//, '').replace(/-\d[^/]*$/, '')).sort()).toEqual(['bufferutil', 'node-gyp-build', 'types-node', 'types-ws', 'undici-types', 'ws']);
    await npmInstallOffline(project, [join(packages, `piko-client-${version}.tgz`), ...deps]);

    // No `types` in the tsconfig: the SDK's declarations must bring what they need (Node's and ws's types).
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', types: [], skipLibCheck: false },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(join(project, 'consumer.ts'), SDK_CONSUMER);
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(project, 'tsconfig.json'), '--noEmit'], project);
    // Type-checked above; esbuild only strips the types (not bundling: @piko/client stays a require).
    await run(join(root, 'node_modules/.bin/esbuild'), ['consumer.ts', '--format=cjs', '--platform=node', '--target=node20', '--outfile=out/consumer.js', '--log-level=warning'], project);

    const consumer = await run(process.execPath, [join(project, 'out/consumer.js')], project, { PIKO_UPSTREAM_URL: server.upstreamUrl, PIKO_PROXY_URL: server.proxyUrl });
    expect(JSON.parse(consumer.stdout)).toEqual({ tcp: 'hello through piko', http: { status: 200, body: 'sdk says /from-sdk' } });

    // ES modules see the same named exports.
    const esm = await run(process.execPath, ['--input-type=module', '-e', "import { Upstream, Dialer, serveHttp } from '@piko/client'; console.log(typeof Upstream, typeof Dialer, typeof serveHttp)"], project);
    expect(esm.stdout.trim()).toBe('function function function');
  });

  it('the single executable runs alone: --help, --version, `agent http`, `agent tcp` and `forward tcp` against the server, and `server` itself', async () => {
    const dir = join(work, 'sea');
    mkdirSync(dir);
    const piko = join(dir, 'piko');
    copyFileSync(join(packages, `piko-${process.platform}-${process.arch}`), piko);
    await run('chmod', ['+x', piko]);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);

    const help = await run(piko, ['--help'], dir);
    expect(help.stdout).toContain('Usage: piko <command>');
    expect(help.stderr).toBe(''); // no SEA warning about require(), no experimental warning
    expect(await run(piko, ['--version'], dir)).toEqual({ stdout: `piko version ${version}\n`, stderr: '' });

    agents.push(await startAgent(piko, 'from-executable', local.port, server.upstreamUrl));
    await expectTunnelMatchesDirect(server.proxyUrl, 'from-executable', local.port);

    // Raw TCP both ways: `agent tcp` in front of an echo service, `forward tcp` to it.
    const echo = await startEchoService();
    try {
      agents.push(await startAgent(piko, 'echo-executable', echo.port, server.upstreamUrl, 'tcp'));
      const forwardPort = await freePort();
      const forward = ManagedProcess.start('piko forward (executable)', piko, ['forward', 'tcp', String(forwardPort), 'echo-executable', '--connect.url', server.proxyUrl]);
      agents.push(forward);
      await forward.waitForOutput(/"msg":"forwarding"/, 60_000);
      const message = 'bytes through forward, proxy, agent and back\n';
      expect(await exchange(echo.port, message)).toBe(message);
      expect(await exchange(forwardPort, message)).toBe(message);
    } finally {
      await new Promise((resolve) => echo.server.close(resolve));
    }

    // The server roles too (Nest, inlined): the executable's server with the executable's agent.
    const [proxyPort, upstreamPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    const seaServer = ManagedProcess.start('piko server (executable)', piko, [
      'server',
      '--proxy.bind-addr',
      `127.0.0.1:${proxyPort}`,
      '--upstream.bind-addr',
      `127.0.0.1:${upstreamPort}`,
      '--admin.bind-addr',
      `127.0.0.1:${adminPort}`,
    ]);
    agents.push(seaServer);
    await seaServer.waitForOutput(/proxy server listening/, 60_000);
    agents.push(await startAgent(piko, 'all-executable', local.port, `http://127.0.0.1:${upstreamPort}`));
    await expectTunnelMatchesDirect(`http://127.0.0.1:${proxyPort}`, 'all-executable', local.port);
    expect(JSON.parse((await curl([`http://127.0.0.1:${adminPort}/status/upstream/endpoints`])).body)).toEqual({ 'all-executable': 1 });
  });
});
