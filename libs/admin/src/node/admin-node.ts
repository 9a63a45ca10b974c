import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { loadAuthenticator } from '@piko/auth';
import { Sweeper } from '@piko/cluster';
import type { ServerConfig } from '@piko/config';
import { createMetrics, type Logger, Readiness } from '@piko/observability';
import { NestLogger } from '@piko/ops';
import { advertiseAddr, type ClusterClients, clusterNodesGauge, nodeId, nodeRegistration, reportClusterHealth, reportRegistration, type RunningRole, serverTls, waitShutdownDelay, PortServerAdapter } from '@piko/runtime';
import { AdminModule } from '../admin.module';
import { adminModuleDeps, listenAdmin, setupAdminPort } from './admin-port';

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
    AdminModule.register(adminModuleDeps(config, { readiness, registry, clients, nodeId: id, logger: log })),
    new PortServerAdapter({ tls: adminTls, readHeaderTimeoutMs: config.admin.readHeaderTimeout }),
    { logger: new NestLogger(log.child({ subsystem: 'nest' })), abortOnError: false },
  );
  // Before init, so admin.auth runs ahead of every route.
  setupAdminPort(app, config, adminAuth, log);
  await app.init();
  const adminAddr = await listenAdmin(app, config, log);
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
