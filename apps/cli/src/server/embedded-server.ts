import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { httpAuthMiddleware, loadAuthenticator } from '@piko/auth';
import { ConfigError, type ServerConfig } from '@piko/config';
import { InMemoryClusterBus, InMemoryEndpointRegistry } from '@piko/cluster';
import {
  createUpstreamWsAdapter,
  gatewayOptions,
  LocalUpstreamDialer,
  UpstreamGateway,
  UpstreamListener,
  UpstreamPool,
  type UpstreamWsAdapter,
} from '@piko/gateway';
import { bindPort, createMetrics, type Logger, Readiness } from '@piko/observability';
import { listenNest, NestLogger } from '@piko/ops';
import { ProxyAuth, ProxyServer, proxyOptions } from '@piko/proxy';
import { nodeId, nodeRegistration, serverTls, waitShutdownDelay } from '@piko/runtime';
import { EmbeddedServerModule } from './embedded-server.module';

export interface RunningServer {
  readonly proxyAddr: AddressInfo;
  readonly upstreamAddr: AddressInfo;
  readonly adminAddr: AddressInfo;
  /** Graceful stop within `grace_period`; see the order in the body. */
  shutdown(): Promise<void>;
}

/**
 * Starts proxy, gateway and admin in one process, in an order chosen so that nothing is offered
 * before it works: admin first but not ready (probes see a live process while the rest starts),
 * then the upstream port (reconnecting agents register before traffic arrives), then the proxy
 * port, and only then ready. Shutdown runs the other way round inside the grace period.
 */
export async function startEmbeddedServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  if (config.cluster.natsUrl || config.cluster.redisUrl) {
    throw new ConfigError([
      'piko server runs every role in one process with the in-memory registry; for a cluster, run piko proxy, piko gateway and piko admin with cluster.nats_url and cluster.redis_url',
    ]);
  }
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
  // The in-memory twins of Redis and NATS: the admin API reads the same registry a cluster would.
  const clusterRegistry = new InMemoryEndpointRegistry({ leaseTtlMs: config.cluster.registry.leaseTtl });
  // cluster.node_id / node_id_prefix as Go Piko takes them; with neither, the one node is 'local'.
  const id = config.cluster.nodeId || config.cluster.nodeIdPrefix ? nodeId(config.cluster, 'server') : 'local';
  const registration = nodeRegistration(config, { registry: clusterRegistry, bus: new InMemoryClusterBus(logger) }, { id, role: 'gateway' }, logger, pool);

  const app = await NestFactory.create(
    EmbeddedServerModule.register({
      admin: { readiness, registry, clusterRegistry },
      gateway: { options: { ...gatewayOptions(config), tls: upstreamTls }, pool, logger, registry },
      proxy: { options: { ...proxyOptions(config), tls: proxyTls, auth: proxyAuth && new ProxyAuth(proxyAuth) }, dialer: new LocalUpstreamDialer(pool), logger, registry },
    }),
    { logger: new NestLogger(logger.child({ subsystem: 'nest' })), abortOnError: false, httpsOptions: adminTls?.serverOptions() },
  );
  adminTls?.attach(app.getHttpServer());
  // admin.auth, before init so it runs ahead of every route of the admin port.
  if (adminAuth) app.use(httpAuthMiddleware(adminAuth));
  const wsAdapter: UpstreamWsAdapter = createUpstreamWsAdapter(app, upstreamAuth);
  app.useWebSocketAdapter(wsAdapter);
  await app.init();

  const adminAddr = await bindPort('--admin.bind-addr', config.admin.bindAddr, () => listenNest(app, config.admin.bindAddr));
  logger.child({ subsystem: 'admin' }).info('admin server listening', { addr: `${adminAddr.address}:${adminAddr.port}` });

  const upstreamListener = app.get(UpstreamListener);
  const proxyServer = app.get(ProxyServer);
  const upstreamAddr = await bindPort('--upstream.bind-addr', config.upstream.bindAddr, () => upstreamListener.listen());
  const proxyAddr = await bindPort('--proxy.bind-addr', config.proxy.bindAddr, () => proxyServer.listen());
  await registration.start();
  readiness.markReady();

  return {
    proxyAddr,
    upstreamAddr,
    adminAddr,
    async shutdown() {
      // Not ready first: load balancers stop sending while everything still serves, for shutdown_delay.
      readiness.markShuttingDown();
      await waitShutdownDelay(config.shutdownDelay, logger);
      const deadline = Date.now() + config.gracePeriod;
      // The proxy finishes what it has in flight; those requests still need their upstreams.
      await proxyServer.close(deadline);
      // Then upstreams: no new ones, go-away to the connected ones, wait for their streams.
      // (The upstream server's close completes only once its upgraded sockets are gone, after the drain.)
      wsAdapter.stopAccepting();
      const upstreamClosed = upstreamListener.close();
      await app.get(UpstreamGateway).drain(deadline);
      await upstreamClosed;
      await registration.close();
      await app.close();
      adminTls?.detach(app.getHttpServer());
      logger.info('shutdown complete');
    },
  };
}
