import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { loadAuthenticator, PROBE_PATHS } from '@piko/auth';
import { Sweeper } from '@piko/cluster';
import type { ServerConfig } from '@piko/config';
import { bindPort, createMetrics, type Logger, Readiness } from '@piko/observability';
import { listenNest, NestLogger } from '@piko/ops';
import { advertiseAddr, type ClusterClients, clusterNodesGauge, nodeId, nodeRegistration, reportClusterHealth, reportRegistration, type RunningRole, serverTls, waitShutdownDelay } from '@piko/runtime';
import { AdminModule } from '../admin.module';
import { setupAdminApi } from '../http/setup-admin-api';
import { PAGE_PATHS } from '../page/page-assets';
import { pageOptions } from '../page/page-options';

export interface RunningAdmin extends RunningRole {
  readonly nodeId: string;
  readonly adminAddr: AddressInfo;
}

/**
 * The admin service on its own (`piko admin`, the admin container). It also sweeps dead nodes'
 * entries. Shutdown: not ready, keep serving for `shutdown_delay`, then leave the cluster and close.
 */
export async function startAdminNode(config: ServerConfig, logger: Logger, clients: ClusterClients): Promise<RunningAdmin> {
  const { registry } = createMetrics();
  const readiness = new Readiness();
  const id = nodeId(config.cluster, 'admin');
  const log = logger.child({ nodeId: id });
  const adminTls = serverTls(config.admin.tls, 'admin.tls', log.child({ subsystem: 'tls' }));
  // Before any port opens: a bad key or JWKS file stops the process (ConfigError).
  const adminAuth = await loadAuthenticator(config, 'admin', log);
  const app = await NestFactory.create(
    AdminModule.register({
      readiness,
      registry,
      clusterRegistry: clients.registry,
      rpc: clients.bus,
      nodeId: id,
      api: config.admin.api,
      replayTimeoutMs: config.proxy.inspect.replayTimeout,
      logger: log.child({ subsystem: 'admin' }),
      page: { options: pageOptions(config), logger: log.child({ subsystem: 'page' }) },
    }),
    {
      logger: new NestLogger(log.child({ subsystem: 'nest' })),
      abortOnError: false,
      httpsOptions: adminTls?.serverOptions(),
    },
  );
  adminTls?.attach(app.getHttpServer());
  // Before init, so admin.auth runs ahead of every route. The page's own files are open (they
  // hold no data): the page asks for the token and sends it with every API call.
  setupAdminApi(app, {
    auth: adminAuth,
    openPaths: [...PROBE_PATHS, ...PAGE_PATHS],
    publicRead: config.admin.api.publicRead,
    logger: log.child({ subsystem: 'admin' }),
  });
  await app.init();
  const adminAddr = await bindPort('--admin.bind-addr', config.admin.bindAddr, () => listenNest(app, config.admin.bindAddr));
  reportClusterHealth(readiness, registry, clients);

  const registration = nodeRegistration(
    config,
    clients,
    { id, role: 'admin', adminAddr: advertiseAddr(config.admin.advertiseAddr, config.admin.bindAddr, adminAddr.port) },
    log,
  );
  reportRegistration(registry, registration);
  // Go Piko's piko_cluster_nodes{status}, from the registry the admin API reads.
  clusterNodesGauge(registry, async () => (await clients.registry.snapshot()).nodes.values());
  await registration.start();
  const sweeper = new Sweeper({ registry: clients.registry, intervalMs: config.cluster.registry.sweepInterval, logger: log });
  sweeper.start();
  readiness.markReady();
  log.child({ subsystem: 'admin' }).info('admin server listening', { addr: `${adminAddr.address}:${adminAddr.port}` });

  return {
    nodeId: id,
    adminAddr,
    async shutdown() {
      readiness.markShuttingDown();
      // As proxies and gateways: a Service still sends API and status-page requests here for a while.
      await waitShutdownDelay(config.shutdownDelay, log);
      await sweeper.stop();
      await registration.close();
      await app.close();
      adminTls?.detach(app.getHttpServer());
      log.info('shutdown complete');
    },
  };
}
