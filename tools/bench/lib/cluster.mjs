// Piko in cluster mode, started as an operator would: a throwaway Redis (registry) and NATS (bus),
// `piko gateway` and `piko proxy` as separate processes, agents dialling a gateway's upstream port.
// A request travels client -> proxy -> (relay link, yamux over TCP) -> gateway -> agent -> upstream.
import { randomBytes } from 'node:crypto';
import { ENDPOINT_HEADER, ENDPOINT_ID, assertPikoBuilt, nodeArgs, pikoEnv, startPikoAgent, supportedFlags } from './piko.mjs';
import { freePort, httpGet, log, sleep, waitForHttp } from './processes.mjs';
import { startNats, startRedis } from './services.mjs';

/** Thrown when a gateway's upstream connections do not reach the expected count in time. */
export class UpstreamsNotConnectedError extends Error {
  constructor(name, want, got, timeoutMs) {
    super(`${name}: ${got ?? 'no'} upstream connections after ${timeoutMs} ms, expected ${want}`);
    this.name = 'UpstreamsNotConnectedError';
    this.code = 'UPSTREAMS_NOT_CONNECTED';
  }
}

/** The relay link's shared secret for this run's cluster (every proxy and gateway must have it). */
const BENCH_RELAY_SECRET = randomBytes(32).toString('hex');

/**
 * `piko gateway` on free loopback ports (or `ports` {upstreamPort, relayPort, opsPort}, to restart
 * one where its agents reconnect), with `extraArgs` appended; resolves once GET /ready on its ops
 * port answers 200.
 */
export async function startPikoGateway({ registry, root, nodeOptions, redisUrl, natsUrl, name = 'piko-gateway', ports, extraArgs = [] }) {
  const cli = assertPikoBuilt(root);
  const { upstreamPort, relayPort, opsPort } = ports ?? { upstreamPort: await freePort(), relayPort: await freePort(), opsPort: await freePort() };
  const args = [
    ...nodeArgs(nodeOptions),
    cli,
    'gateway',
    '--cluster.redis-url', redisUrl,
    '--cluster.nats-url', natsUrl,
    '--cluster.node-id-prefix', `${name}-`,
    '--upstream.bind-addr', `127.0.0.1:${upstreamPort}`,
    '--relay.bind-addr', `127.0.0.1:${relayPort}`,
    '--relay.secret', BENCH_RELAY_SECRET,
    '--ops.bind-addr', `127.0.0.1:${opsPort}`,
    '--log.level', 'warn',
    ...extraArgs,
  ];
  log(`piko: node ${args.join(' ')}`);
  const handle = registry.spawn(name, process.execPath, args, { cwd: root, env: pikoEnv() });
  await Promise.race([waitForHttp(`http://127.0.0.1:${opsPort}/ready`, { what: `${name} /ready`, timeoutMs: 20000 }), registry.failOnExit(handle)]);
  return { name, upstreamPort, relayPort, opsPort, handle, connectUrl: `http://127.0.0.1:${upstreamPort}` };
}

/** `piko proxy` on free loopback ports, access log off; resolves once /ready on its ops port answers 200. */
export async function startPikoProxy({ registry, root, nodeOptions, redisUrl, natsUrl, name = 'piko-proxy' }) {
  const cli = assertPikoBuilt(root);
  const [proxyPort, opsPort] = [await freePort(), await freePort()];
  const args = [
    ...nodeArgs(nodeOptions),
    cli,
    'proxy',
    '--cluster.redis-url', redisUrl,
    '--cluster.nats-url', natsUrl,
    '--cluster.node-id-prefix', `${name}-`,
    '--proxy.bind-addr', `127.0.0.1:${proxyPort}`,
    '--relay.secret', BENCH_RELAY_SECRET,
    '--ops.bind-addr', `127.0.0.1:${opsPort}`,
    '--log.level', 'warn',
    ...(await supportedFlags(cli, ['proxy'], ['--proxy.access-log=false'])),
  ];
  log(`piko: node ${args.join(' ')}`);
  const handle = registry.spawn(name, process.execPath, args, { cwd: root, env: pikoEnv() });
  await Promise.race([waitForHttp(`http://127.0.0.1:${opsPort}/ready`, { what: `${name} /ready`, timeoutMs: 20000 }), registry.failOnExit(handle)]);
  return { name, proxyPort, opsPort, handle };
}

/** The gauge `piko_upstreams_connected_upstreams` from a gateway's /metrics, or null if absent. */
export async function upstreamConnections(opsPort) {
  const res = await httpGet(`http://127.0.0.1:${opsPort}/metrics`);
  const m = /^piko_upstreams_connected_upstreams(?:\{[^}]*\})?\s+(\d+(?:\.\d+)?)/m.exec(res.body);
  return m ? Number(m[1]) : null;
}

/** Relay streams a gateway accepted (`piko_relay_server_streams_total{result="accepted"}`), or null. */
export async function relayStreamsAccepted(opsPort) {
  const res = await httpGet(`http://127.0.0.1:${opsPort}/metrics`);
  const m = /^piko_relay_server_streams_total\{[^}]*result="accepted"[^}]*\}\s+(\d+(?:\.\d+)?)/m.exec(res.body);
  return m ? Number(m[1]) : null;
}

/** Polls a gateway's metrics until it holds at least `want` upstream connections. */
export async function waitForUpstreams(gateway, want, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let got = null;
  while (Date.now() < deadline) {
    got = await upstreamConnections(gateway.opsPort).catch(() => null);
    if (got !== null && got >= want) return got;
    await sleep(50);
  }
  throw new UpstreamsNotConnectedError(gateway.name, want, got, timeoutMs);
}

/**
 * Redis + NATS + `gateways` gateways + `proxies` proxies, each ready. Returns
 * { redis, nats, gateways: [...], proxies: [...], processes, stop() } where `processes` are
 * { name, pid } for RSS sampling. stop() stops everything it started, newest first.
 */
export async function startPikoCluster({ registry, root, nodeOptions, gateways = 1, proxies = 1, prefix = 'cluster' }) {
  assertPikoBuilt(root);
  const started = [];
  const stop = async () => {
    for (const handle of started.reverse()) await registry.stop(handle);
  };
  try {
    const redis = await startRedis({ registry, name: `${prefix}-redis` });
    started.push(redis.handle);
    const nats = await startNats({ registry, name: `${prefix}-nats` });
    started.push(nats.handle);
    const common = { registry, root, nodeOptions, redisUrl: redis.url, natsUrl: nats.url };
    const gws = [];
    for (let i = 1; i <= gateways; i++) {
      const gw = await startPikoGateway({ ...common, name: gateways > 1 ? `piko-gateway-${i}` : 'piko-gateway' });
      started.push(gw.handle);
      gws.push(gw);
    }
    const pxs = [];
    for (let i = 1; i <= proxies; i++) {
      const px = await startPikoProxy({ ...common, name: proxies > 1 ? `piko-proxy-${i}` : 'piko-proxy' });
      started.push(px.handle);
      pxs.push(px);
    }
    return {
      redis,
      nats,
      gateways: gws,
      proxies: pxs,
      processes: [...gws, ...pxs].map((n) => ({ name: n.name, pid: n.handle.pid })),
      /** Rejects when any process of the cluster dies unasked; for Promise.race. */
      failed: () => Promise.race(started.map((h) => registry.failOnExit(h))),
      track: (handle) => started.push(handle),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The cluster path for the path suites: client -> piko proxy -> relay -> piko gateway -> piko agent
 * http -> upstream. Ready once the gateway counts the agent's connection and the proxy answers 200.
 */
export async function startClusterTunnel({ registry, root, upstreamPort, nodeOptions }) {
  const cluster = await startPikoCluster({ registry, root, nodeOptions, gateways: 1, proxies: 1 });
  const [gateway] = cluster.gateways;
  const [proxy] = cluster.proxies;
  try {
    const agent = await startPikoAgent({ registry, root, nodeOptions, target: upstreamPort, connectUrl: gateway.connectUrl });
    cluster.track(agent);
    await Promise.race([
      (async () => {
        await waitForUpstreams(gateway, 1);
        await waitForHttp(`http://127.0.0.1:${proxy.proxyPort}/small`, {
          headers: { [ENDPOINT_HEADER]: ENDPOINT_ID },
          what: 'piko proxy -> gateway -> agent -> upstream',
          timeoutMs: 20000,
        });
      })(),
      cluster.failed(),
    ]);
    return {
      port: proxy.proxyPort,
      headers: { [ENDPOINT_HEADER]: ENDPOINT_ID },
      description: `piko proxy (127.0.0.1:${proxy.proxyPort}) -> relay -> piko gateway -> piko agent http; redis + nats`,
      processes: [...cluster.processes, { name: 'piko-agent', pid: agent.pid }],
      stop: cluster.stop,
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
