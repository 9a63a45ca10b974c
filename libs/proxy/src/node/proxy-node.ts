import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { httpAuthMiddleware, loadAuthenticator } from '@piko/auth';
import { RoutingTable } from '@piko/cluster';
import type { ServerConfig } from '@piko/config';
import { bindPort, createMetrics, type Logger, Readiness } from '@piko/observability';
import { listenNest, NestLogger } from '@piko/ops';
import { advertiseAddr, type ClusterClients, nodeId, nodeRegistration, reportClusterHealth, reportRegistration, type RunningRole, serverTls, waitShutdownDelay, PortServerAdapter } from '@piko/runtime';
import { loopbackAddress, registerInspectMetrics, Replayer, serveInspect } from '@piko/inspect';
import { ProxyServer } from '../proxy-server';
import { adoptPeerSwitches, clusterGatewayOf, proxyInspector } from './proxy-inspector';
import { ClusterDialMetrics } from '../relay/cluster-dial-metrics';
import { serveRequestStats } from '../request-stats-rpc';
import { ClusterUpstreamDialer } from '../relay/cluster-upstream-dialer';
import { RelayClient } from '../relay/relay-client';
import { proxyOptions, relayClientOptions } from './proxy-config';
import { ProxyAuth } from '../proxy-auth';
import { ProxyNodeModule } from './proxy-node.module';
import { RoutingMetrics } from './routing-metrics';

export interface RunningProxy extends RunningRole {
  readonly nodeId: string;
  readonly proxyAddr: AddressInfo;
  readonly opsAddr: AddressInfo;
}

/**
 * A proxy on its own (`piko proxy`, the proxy container). It routes from an in-memory table
 * (loaded from Redis, kept current by NATS, resynced periodically) and reaches upstreams over
 * relay links to the gateways that own them: no Redis round trip per request. Start order: ops
 * port (not ready), routing table, proxy port, ready once Redis and NATS have each connected once
 * (reportClusterHealth). After that it stays ready while Redis or NATS is down, since the table it
 * routes from is still there. Shutdown: not ready, keep accepting for `shutdown_delay`, then
 * finish in-flight requests within `grace_period`, leave.
 */
export async function startProxyNode(config: ServerConfig, logger: Logger, clients: ClusterClients): Promise<RunningProxy> {
  const { registry } = createMetrics();
  const readiness = new Readiness();
  const id = nodeId(config.cluster, 'proxy');
  const log = logger.child({ nodeId: id });
  const opsTls = serverTls(config.ops.tls, 'ops.tls', log.child({ subsystem: 'tls' }));
  const proxyTls = serverTls(config.proxy.tls, 'proxy.tls', log.child({ subsystem: 'tls' }));
  // Before any port opens: a bad key or JWKS file stops the process (ConfigError).
  const proxyAuth = await loadAuthenticator(config, 'proxy', log);

  const routing = new RoutingTable({
    registry: clients.registry,
    bus: clients.bus,
    resyncIntervalMs: config.cluster.resyncInterval,
    logger: log.child({ subsystem: 'routing' }),
  });
  new RoutingMetrics(registry, routing);
  const relay = new RelayClient(relayClientOptions(config), log.child({ subsystem: 'relay' }), registry);
  const inspector = proxyInspector(config, id, clusterGatewayOf(relay, routing));
  registerInspectMetrics(registry, inspector);
  const dialer = new ClusterUpstreamDialer(routing, relay, log.child({ subsystem: 'proxy' }), Math.random, new ClusterDialMetrics(registry), {
    rerouteTimeoutMs: config.proxy.rerouteTimeout,
  });

  const app = await NestFactory.create(
    ProxyNodeModule.register({
      ops: { readiness, registry },
      proxy: { options: { ...proxyOptions(config), tls: proxyTls, auth: proxyAuth && new ProxyAuth(proxyAuth), inspector }, dialer, logger: log, registry },
    }),
    new PortServerAdapter({ tls: opsTls, readHeaderTimeoutMs: config.ops.readHeaderTimeout }),
    { logger: new NestLogger(log.child({ subsystem: 'nest' })), abortOnError: false },
  );
  // admin.auth guards this node's ops port (/metrics) as Go Piko's guards every node's admin port.
  const opsAuth = await loadAuthenticator(config, 'admin', log);
  if (opsAuth) app.use(httpAuthMiddleware(opsAuth));
  await app.init();
  const opsAddr = await bindPort('--ops.bind-addr', config.ops.bindAddr, () => listenNest(app, config.ops.bindAddr));
  reportClusterHealth(readiness, registry, clients);

  await routing.start();
  const proxyServer = app.get(ProxyServer);
  const proxyAddr = await bindPort('--proxy.bind-addr', config.proxy.bindAddr, () => proxyServer.listen());
  const registration = nodeRegistration(
    config,
    clients,
    { id, role: 'proxy', proxyAddr: advertiseAddr(config.proxy.advertiseAddr, config.proxy.bindAddr, proxyAddr.port) },
    log,
  );
  reportRegistration(registry, registration);
  await registration.start();
  // The admin API's request and error rates come from these counters (over NATS).
  const stopStats = serveRequestStats(clients.bus, id, proxyServer.requestStats);
  // Traffic inspection's list, detail, replay and switch (libs/inspect/src/inspect-rpc.ts).
  const stopInspect = serveInspect(clients.bus, id, inspector, new Replayer(inspector, () => loopbackAddress(proxyAddr, proxyTls !== undefined)));
  // Runtime inspect switches the admin sent before this proxy started: the other proxies hold them.
  await adoptPeerSwitches(clients, id, inspector, log);
  readiness.markReady();
  log.info('proxy ready', { addr: `${proxyAddr.address}:${proxyAddr.port}` });

  return {
    nodeId: id,
    proxyAddr,
    opsAddr,
    async shutdown() {
      readiness.markShuttingDown();
      await waitShutdownDelay(config.shutdownDelay, log);
      const deadline = Date.now() + config.gracePeriod;
      await proxyServer.close(deadline);
      await registration.close();
      stopStats();
      stopInspect();
      await routing.close();
      relay.close();
      await app.close();
      opsTls?.detach(app.getHttpServer());
      log.info('shutdown complete');
    },
  };
}
