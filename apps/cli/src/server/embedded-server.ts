import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { adminModuleDeps, listenAdmin, setupAdminPort } from '@piko/admin';
import { loadAuthenticator } from '@piko/auth';
import type { ServerConfig } from '@piko/config';
import {
  createUpstreamWsAdapter,
  GatewayRpc,
  gatewayOptions,
  LocalUpstreamDialer,
  UpstreamGateway,
  UpstreamListener,
  UpstreamPool,
  type UpstreamWsAdapter,
} from '@piko/gateway';
import { bindPort, createMetrics, type Logger, Readiness } from '@piko/observability';
import { NestLogger } from '@piko/ops';
import { loopbackAddress, registerInspectMetrics, Replayer, serveInspect } from '@piko/inspect';
import { adoptPeerSwitches, ProxyAuth, ProxyServer, proxyInspector, proxyOptions, serveRequestStats } from '@piko/proxy';
import { advertiseAddr, type ClusterClients, clusterNodesGauge, createClusterClients, nodeId, nodeRegistration, reportClusterHealth, reportRegistration, serverTls, waitShutdownDelay, PortServerAdapter } from '@piko/runtime';
import { clusterLinks } from './cluster-links';
import { EmbeddedServerModule } from './embedded-server.module';

export interface RunningServer {
  readonly nodeId: string;
  readonly proxyAddr: AddressInfo;
  readonly upstreamAddr: AddressInfo;
  readonly adminAddr: AddressInfo;
  /** The relay port, only in combined mode (cluster.nats_url and cluster.redis_url set). */
  readonly relayAddr?: AddressInfo;
  /** Graceful stop within `grace_period`; see the order in the body. */
  shutdown(): Promise<void>;
}

/**
 * Starts proxy, gateway and admin in one process (`piko server`), in an order chosen so that
 * nothing is offered before it works: admin first but not ready (probes see a live process while
 * the rest starts), then the upstream port (reconnecting agents register before traffic arrives),
 * then the proxy port, and only then ready. Shutdown runs the other way round inside the grace period.
 *
 * Without cluster URLs the registry and bus are in memory and the node is alone. With
 * `cluster.nats_url` and `cluster.redis_url` it is a combined node of a cluster, as each of Go
 * Piko's StatefulSet nodes is: it registers in Redis as a gateway (with its proxy and admin
 * addresses too), opens the relay port (before the upstream port) for other nodes' proxies, and
 * its proxy serves an endpoint from an upstream connected here first, else over a relay link to
 * the node holding one (see cluster-links.ts); /ready on the admin port waits for the first Redis
 * and NATS connection. Throws ConfigError (before any port opens) for bad auth keys or TLS files,
 * or, in combined mode, an unauthenticated relay link (relay.secret or mutual relay TLS needed).
 */
export async function startEmbeddedServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const clients = createClusterClients(config, logger, false);
  try {
    return await startNode(config, logger, clients);
  } catch (err) {
    // A start that fails (a bad key, a taken port) must not leave Redis/NATS clients holding the process open.
    await clients.close().catch(() => undefined);
    throw err;
  }
}

async function startNode(config: ServerConfig, rootLogger: Logger, clients: ClusterClients): Promise<RunningServer> {
  // cluster.node_id / node_id_prefix as Go Piko takes them; with neither, the one node is 'local'
  // and a combined node 'server-<random>'.
  const id = config.cluster.nodeId || config.cluster.nodeIdPrefix || clients.distributed ? nodeId(config.cluster, 'server') : 'local';
  const logger = clients.distributed ? rootLogger.child({ nodeId: id }) : rootLogger;
  const tlsLogger = logger.child({ subsystem: 'tls' });
  const adminTls = serverTls(config.admin.tls, 'admin.tls', tlsLogger);
  const upstreamTls = serverTls(config.upstream.tls, 'upstream.tls', tlsLogger);
  const proxyTls = serverTls(config.proxy.tls, 'proxy.tls', tlsLogger);
  // Before any port opens: a bad key or JWKS file stops the process (ConfigError).
  const upstreamAuth = await loadAuthenticator(config, 'upstream', logger);
  const proxyAuth = await loadAuthenticator(config, 'proxy', logger);
  const adminAuth = await loadAuthenticator(config, 'admin', logger);
  const { registry } = createMetrics();
  const readiness = new Readiness();
  const pool = new UpstreamPool();
  const links = clients.distributed ? clusterLinks(config, clients, { id, pool, metrics: registry }, logger) : undefined;
  // Go Piko's piko_cluster_nodes{status}: a combined node's routing table exports it (RoutingMetrics); alone, the in-memory registry.
  // Traffic inspection (proxy.inspect). Alone, this node's own pool serves every exchange.
  const inspector = proxyInspector(config, id, links?.gatewayOf ?? (() => id));
  registerInspectMetrics(registry, inspector);
  if (!links) clusterNodesGauge(registry, async () => (await clients.registry.snapshot()).nodes.values());

  const app = await NestFactory.create(
    EmbeddedServerModule.register({
      // The admin API reads the same registry the cluster's nodes write (in memory when alone).
      // Its questions to gateways and proxies go over the bus: NATS, or in memory to this node when alone.
      admin: adminModuleDeps(config, { readiness, registry, clients, nodeId: id, logger }),
      gateway: { options: { ...gatewayOptions(config), tls: upstreamTls }, pool, logger, registry },
      proxy: {
        options: { ...proxyOptions(config), tls: proxyTls, auth: proxyAuth && new ProxyAuth(proxyAuth), inspector },
        dialer: links?.dialer ?? new LocalUpstreamDialer(pool),
        logger,
        registry,
      },
    }),
    new PortServerAdapter({ tls: adminTls, readHeaderTimeoutMs: config.admin.readHeaderTimeout }),
    { logger: new NestLogger(logger.child({ subsystem: 'nest' })), abortOnError: false },
  );
  // admin.auth, validation, JSON errors and OpenAPI; before init so auth runs ahead of every route
  // of the admin port.
  setupAdminPort(app, config, adminAuth, logger);
  const wsAdapter: UpstreamWsAdapter = createUpstreamWsAdapter(app, upstreamAuth);
  app.useWebSocketAdapter(wsAdapter);
  await app.init();

  const adminAddr = await listenAdmin(app, config, logger);
  reportClusterHealth(readiness, registry, clients);

  const relayAddr = await links?.listenRelay();
  const upstreamListener = app.get(UpstreamListener);
  const proxyServer = app.get(ProxyServer);
  const upstreamAddr = await bindPort('--upstream.bind-addr', config.upstream.bindAddr, () => upstreamListener.listen());
  await links?.loadRoutes();
  const proxyAddr = await bindPort('--proxy.bind-addr', config.proxy.bindAddr, () => proxyServer.listen());
  const registration = nodeRegistration(
    config,
    clients,
    {
      id,
      // Routing and rebalancing know gateways: a combined node is one that also proxies and serves admin.
      // (Its proxy address also makes the admin API ask it for request counters, alone or not.)
      role: 'gateway',
      ...(relayAddr && { relayAddr: advertiseAddr(config.relay.advertiseAddr, config.relay.bindAddr, relayAddr.port) }),
      upstreamAddr: advertiseAddr(config.upstream.advertiseAddr, config.upstream.bindAddr, upstreamAddr.port),
      proxyAddr: advertiseAddr(config.proxy.advertiseAddr, config.proxy.bindAddr, proxyAddr.port),
      adminAddr: advertiseAddr(config.admin.advertiseAddr, config.admin.bindAddr, adminAddr.port),
    },
    logger,
    pool,
  );
  reportRegistration(registry, registration);
  await registration.start();
  links?.startMaintenance();
  // The admin API's questions and commands for this node's proxy and gateway (libs/cluster/src/rpc-messages.ts).
  const stopStats = serveRequestStats(clients.bus, id, proxyServer.requestStats);
  const stopInspect = serveInspect(clients.bus, id, inspector, new Replayer(inspector, () => loopbackAddress(proxyAddr, proxyTls !== undefined)));
  // Runtime inspect switches the admin sent before this node started: the other proxies hold them.
  await adoptPeerSwitches(clients, id, inspector, logger);
  const gatewayRpc = new GatewayRpc({
    nodeId: id,
    pool,
    rpc: clients.bus,
    retireGraceMs: config.gracePeriod,
    logger: logger.child({ subsystem: 'admin' }),
    // Alone, a drained node's agents have nowhere else to go until it restarts.
    drain: { readiness, registration, stopRebalancing: () => links?.stopRebalancing(), stopAccepting: () => wsAdapter.stopAccepting() },
  });
  gatewayRpc.start();
  readiness.markReady();

  return {
    nodeId: id,
    proxyAddr,
    upstreamAddr,
    adminAddr,
    relayAddr,
    async shutdown() {
      // Not ready first: load balancers stop sending while everything still serves, for shutdown_delay.
      readiness.markShuttingDown();
      links?.stopRebalancing();
      await waitShutdownDelay(config.shutdownDelay, logger);
      const deadline = Date.now() + config.gracePeriod;
      // The proxy finishes what it has in flight; those requests still need their upstreams.
      await proxyServer.close(deadline);
      // Marked draining: other nodes' proxies prefer nodes whose upstreams are not leaving.
      await registration.drain();
      // Then upstreams: no new ones, go-away to the connected ones, wait for their streams.
      // (The upstream server's close completes only once its upgraded sockets are gone, after the drain.)
      wsAdapter.stopAccepting();
      const upstreamClosed = upstreamListener.close();
      await app.get(UpstreamGateway).drain(deadline);
      // Relay streams from other nodes' proxies, served until the upstreams have moved.
      await links?.drainRelay(deadline);
      await upstreamClosed;
      await registration.close();
      gatewayRpc.stop();
      stopStats();
      stopInspect();
      await links?.close();
      await app.close();
      adminTls?.detach(app.getHttpServer());
      await clients.close();
      logger.info('shutdown complete');
    },
  };
}
