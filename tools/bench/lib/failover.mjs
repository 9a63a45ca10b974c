// Recovery after a gateway crash: Redis + NATS + 2 gateways + 1 proxy, one agent on each gateway for
// the same endpoint. A request loop runs through the proxy; one gateway is killed with SIGKILL (no
// drain, no deregistration: its registry entries stay until its lease expires). The figure is the
// window from the kill to the last failed request (0 when none failed): how long clients of an
// endpoint that still has an upstream elsewhere see errors.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { ENDPOINT_HEADER, ENDPOINT_ID, startPikoAgent } from './piko.mjs';
import { relayStreamsAccepted, startPikoCluster, waitForUpstreams } from './cluster.mjs';
import { log, sleep, waitForHttp } from './processes.mjs';

/** `workers` loops of back-to-back GET /small; every outcome is recorded with its start and end. */
function startRequestLoop({ port, workers, timeoutMs }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const outcomes = [];
  let running = true;
  const once = () =>
    new Promise((resolve) => {
      const start = performance.now();
      const done = (ok, detail) => {
        outcomes.push({ start, end: performance.now(), ok, detail });
        resolve();
      };
      const req = http.get({ host: '127.0.0.1', port, path: '/small', agent, headers: { [ENDPOINT_HEADER]: ENDPOINT_ID }, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200, `status ${res.statusCode}`));
        res.on('error', (err) => done(false, err.code ?? err.message));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
      req.on('error', (err) => done(false, err.code ?? err.message));
    });
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      await once();
      // Failures can come back at once (a refused connection); do not spin on them.
      if (!outcomes.at(-1).ok) await sleep(5);
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

/**
 * Returns { workers, beforeMs, afterMs, requests, failuresBeforeKill, failuresAfterKill,
 *           recovered, recoveryMs, firstFailureMs, failureKinds, killed, relayStreamsAcceptedBeforeKill }.
 */
export async function runFailover({ registry, root, nodeOptions, upstreamPort, beforeMs, afterMs, workers = 4, requestTimeoutMs = 5000 }) {
  const cluster = await startPikoCluster({ registry, root, nodeOptions, gateways: 2, proxies: 1, prefix: 'failover' });
  try {
    const [proxy] = cluster.proxies;
    const agents = [];
    for (const [i, gateway] of cluster.gateways.entries()) {
      const agent = await startPikoAgent({ registry, root, nodeOptions, target: upstreamPort, connectUrl: gateway.connectUrl, name: `piko-agent-${i + 1}` });
      cluster.track(agent);
      agents.push(agent);
    }
    await Promise.race([
      (async () => {
        for (const gateway of cluster.gateways) await waitForUpstreams(gateway, 1);
        await waitForHttp(`http://127.0.0.1:${proxy.proxyPort}/small`, { headers: { [ENDPOINT_HEADER]: ENDPOINT_ID }, what: 'failover cluster', timeoutMs: 20000 });
      })(),
      cluster.failed(),
    ]);
    // Both gateways' registrations reach the proxy within milliseconds; leave it a margin.
    await sleep(500);

    const victim = cluster.gateways[0];
    log(`failover: ${workers} request loops through ${proxy.name}; SIGKILL ${victim.name} (pid ${victim.handle.pid}) after ${beforeMs} ms, then ${afterMs} ms more`);
    const loop = startRequestLoop({ port: proxy.proxyPort, workers, timeoutMs: requestTimeoutMs });
    let killAt;
    let acceptedBeforeKill = {};
    try {
      await sleep(beforeMs);
      // Shows the victim was carrying its share of the loop when it died (else the test proves nothing).
      acceptedBeforeKill = Object.fromEntries(
        await Promise.all(cluster.gateways.map(async (g) => [g.name, await relayStreamsAccepted(g.opsPort).catch((err) => `error: ${err.message}`)])),
      );
      killAt = performance.now();
      await registry.kill9(victim.handle);
      await sleep(afterMs);
    } finally {
      await loop.stop();
    }
    const { outcomes } = loop;
    const before = outcomes.filter((o) => o.end < killAt);
    const after = outcomes.filter((o) => o.end >= killAt);
    const failedAfter = after.filter((o) => !o.ok);
    const failureKinds = {};
    for (const o of outcomes.filter((x) => !x.ok)) failureKinds[o.detail] = (failureKinds[o.detail] ?? 0) + 1;
    const lastFailure = failedAfter.length ? Math.max(...failedAfter.map((o) => o.end)) : null;
    // Recovered = a request started after the last failure succeeded; else the window ran out first.
    const recovered = lastFailure === null || outcomes.some((o) => o.ok && o.start > lastFailure);
    const result = {
      workers,
      beforeMs,
      afterMs,
      requests: outcomes.length,
      succeededAfterKill: after.length - failedAfter.length,
      failuresBeforeKill: before.filter((o) => !o.ok).length,
      failuresAfterKill: failedAfter.length,
      recovered,
      recoveryMs: lastFailure === null ? 0 : lastFailure - killAt,
      firstFailureMs: failedAfter.length ? Math.min(...failedAfter.map((o) => o.end)) - killAt : null,
      failureKinds,
      killed: victim.name,
      relayStreamsAcceptedBeforeKill: acceptedBeforeKill,
    };
    log(`failover: ${result.requests} requests, ${result.failuresAfterKill} failed after the kill; last failure ${result.recoveryMs.toFixed(0)} ms after it${recovered ? '' : ' (still failing when the window ended)'}`);
    return result;
  } finally {
    await cluster.stop();
  }
}
