// Piko under test, started as a user would: `piko server` (proxy + gateway + admin in one process)
// and `piko agent http` forwarding an endpoint to the upstream service. Both from dist/ (the build).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_ENV, RUNTIME_NODE_FLAGS } from '../../runtime-env.mjs';
import { freePort, log, waitForHttp, waitForPort } from './processes.mjs';

export const ENDPOINT_ID = 'bench';
export const ENDPOINT_HEADER = 'x-piko-endpoint';

export class PikoBuildMissingError extends Error {
  constructor(cli) {
    super(`piko build missing: ${cli} does not exist (run \`npm run build\`)`);
    this.name = 'PikoBuildMissingError';
    this.code = 'PIKO_BUILD_MISSING';
  }
}

export function pikoCli(root) {
  return join(root, 'dist/apps/cli/main.js');
}

export function assertPikoBuilt(root) {
  const cli = pikoCli(root);
  if (!existsSync(cli)) throw new PikoBuildMissingError(cli);
  return cli;
}

/** True unless BENCH_PIKO_RUNTIME_ENV=off (start piko without the launchers' settings, for an A/B). */
export function runtimeSettingsOn() {
  const mode = process.env.BENCH_PIKO_RUNTIME_ENV ?? 'on';
  if (mode !== 'on' && mode !== 'off') throw new Error(`BENCH_PIKO_RUNTIME_ENV must be on or off, got "${mode}"`);
  return mode === 'on';
}

/**
 * The environment piko processes start with: the one the shipped launchers set (tools/runtime-env.mjs),
 * so the bench measures what ships; none with BENCH_PIKO_RUNTIME_ENV=off.
 * @returns {Record<string, string>} variables added to the bench's own environment
 */
export function pikoEnv() {
  return runtimeSettingsOn() ? { ...RUNTIME_ENV } : {};
}

/**
 * Node flags for the piko processes: the launchers' (tools/runtime-env.mjs; none with
 * BENCH_PIKO_RUNTIME_ENV=off), then those of BENCH_PIKO_NODE_OPTIONS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
export function nodeArgs(nodeOptions) {
  return [...(runtimeSettingsOn() ? RUNTIME_NODE_FLAGS : []), ...(nodeOptions ? nodeOptions.split(/\s+/).filter(Boolean) : [])];
}

/**
 * Starts `piko server` on free loopback ports and waits for admin /ready. `optionalArgs` are passed
 * only if `piko server --help` lists them (a missing one is logged).
 * Returns { proxyPort, upstreamPort, adminPort, handle }.
 */
export async function startPikoServer({ registry, root, nodeOptions, extraArgs = [], optionalArgs = [] }) {
  const cli = assertPikoBuilt(root);
  const [proxyPort, upstreamPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    ...nodeArgs(nodeOptions),
    cli,
    'server',
    '--proxy.bind-addr', `127.0.0.1:${proxyPort}`,
    '--upstream.bind-addr', `127.0.0.1:${upstreamPort}`,
    '--admin.bind-addr', `127.0.0.1:${adminPort}`,
    '--log.level', 'warn',
    ...(await supportedFlags(cli, ['server'], ['--proxy.access-log=false'])),
    // Listeners the embedded server may open besides the three above: keep them on loopback and
    // off their fixed defaults (:8003, :8004) so runs never collide with anything else here.
    ...(await supportedFlags(cli, ['server'], [`--relay.bind-addr=127.0.0.1:${await freePort()}`, `--ops.bind-addr=127.0.0.1:${await freePort()}`])),
    ...(await supportedFlags(cli, ['server'], optionalArgs)),
    ...extraArgs,
  ];
  log(`piko: node ${args.join(' ')}`);
  const handle = registry.spawn('piko-server', process.execPath, args, { cwd: root, env: pikoEnv() });
  await Promise.race([
    waitForHttp(`http://127.0.0.1:${adminPort}/ready`, { what: 'piko server /ready', timeoutMs: 20000 }),
    registry.failOnExit(handle),
  ]);
  return { proxyPort, upstreamPort, adminPort, handle };
}

const helpCache = new Map();
/**
 * Of `candidates` (e.g. ['--access-log=false']), those whose flag `piko <subcommand> --help` lists.
 * Logging every request would make the benchmark measure the logger rather than the data path,
 * so access logs are turned off where the build has the switch (and the run says when it has not).
 */
export async function supportedFlags(cli, subcommand, candidates) {
  const key = subcommand.join(' ');
  if (!helpCache.has(key)) {
    helpCache.set(
      key,
      await new Promise((resolve) => {
        execFile(process.execPath, [cli, ...subcommand, '--help'], { timeout: 10000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
      }),
    );
  }
  const help = helpCache.get(key);
  return candidates.filter((flag) => {
    const name = flag.split('=')[0];
    const found = new RegExp(`${name.replace(/[.-]/g, '\\$&')}\\b`).test(help);
    if (!found) log(`piko: \`piko ${key} --help\` lists no ${name}; running without ${flag}`);
    return found;
  });
}

/**
 * Spawns `piko agent <kind> <endpoint> <target>` connected to `connectUrl` (a gateway's upstream
 * port) with its access log off when the build has the switch. Returns the process handle; the
 * caller decides what "registered" means (a request through a proxy, a gateway's metrics).
 */
export async function startPikoAgent({ registry, root, nodeOptions, kind = 'http', endpoint = ENDPOINT_ID, target, connectUrl, name = 'piko-agent' }) {
  const cli = assertPikoBuilt(root);
  const args = [
    ...nodeArgs(nodeOptions),
    cli,
    'agent', kind, endpoint, String(target),
    '--connect.url', connectUrl,
    '--log.level', 'warn',
    ...(kind === 'http' ? await supportedFlags(cli, ['agent', 'http'], ['--access-log=false']) : []),
  ];
  log(`piko: node ${args.join(' ')}`);
  return registry.spawn(name, process.execPath, args, { cwd: root, env: pikoEnv() });
}

/**
 * Spawns `piko forward tcp 127.0.0.1:<free port> <endpoint>` through the proxy at `connectUrl` and
 * waits for its local port to accept. Returns { port, handle }.
 */
export async function startPikoForward({ registry, root, nodeOptions, endpoint, connectUrl, name = 'piko-forward' }) {
  const cli = assertPikoBuilt(root);
  const port = await freePort();
  const args = [...nodeArgs(nodeOptions), cli, 'forward', 'tcp', `127.0.0.1:${port}`, endpoint, '--connect.url', connectUrl, '--log.level', 'warn'];
  log(`piko: node ${args.join(' ')}`);
  const handle = registry.spawn(name, process.execPath, args, { cwd: root, env: pikoEnv() });
  await Promise.race([waitForPort(port, { what: `${name} 127.0.0.1:${port}`, timeoutMs: 20000 }), registry.failOnExit(handle)]);
  return { port, handle };
}

/**
 * The complete Piko path: server + agent for endpoint `bench` forwarding to `upstreamPort`.
 * Resolves once a request through the proxy reaches the upstream (the agent has registered).
 */
export async function startPikoTunnel({ registry, root, upstreamPort, nodeOptions, serverArgs = [], label = '' }) {
  assertPikoBuilt(root);
  const server = await startPikoServer({ registry, root, nodeOptions, extraArgs: serverArgs });
  let agent;
  try {
    agent = await startPikoAgent({ registry, root, nodeOptions, target: upstreamPort, connectUrl: `http://127.0.0.1:${server.upstreamPort}` });
    await Promise.race([
      waitForHttp(`http://127.0.0.1:${server.proxyPort}/small`, {
        headers: { [ENDPOINT_HEADER]: ENDPOINT_ID },
        what: 'piko proxy -> agent -> upstream',
        timeoutMs: 20000,
      }),
      registry.failOnExit(agent),
      registry.failOnExit(server.handle),
    ]);
  } catch (err) {
    await registry.stop(agent);
    await registry.stop(server.handle);
    throw err;
  }
  return {
    port: server.proxyPort,
    headers: { [ENDPOINT_HEADER]: ENDPOINT_ID },
    description: `piko server (proxy 127.0.0.1:${server.proxyPort}${label}) + piko agent http`,
    processes: [
      { name: 'piko-server', pid: server.handle.pid },
      { name: 'piko-agent', pid: agent.pid },
    ],
    async stop() {
      await registry.stop(agent);
      await registry.stop(server.handle);
    },
  };
}
