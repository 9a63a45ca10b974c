import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { EndpointCountMap, NodeRegistration, Sweeper } from '@piko/cluster';
import { parseBindAddr, type ServerConfig } from '@piko/config';
import { createMetrics, type Logger, Readiness } from '@piko/observability';
import { NestLogger } from '@piko/ops';
import { advertiseAddr, type ClusterClients, nodeId, reportClusterHealth, type RunningRole } from '@piko/runtime';
import { AdminModule } from '../admin.module';

export interface RunningAdmin extends RunningRole {
  readonly nodeId: string;
  readonly adminAddr: AddressInfo;
}

/** The admin service on its own (`piko admin`, the admin container). It also sweeps dead nodes' entries. */
export async function startAdminNode(config: ServerConfig, logger: Logger, clients: ClusterClients): Promise<RunningAdmin> {
  const { registry } = createMetrics();
  const readiness = new Readiness();
  const id = nodeId(config.cluster, 'admin');
  const log = logger.child({ nodeId: id });
  const app = await NestFactory.create(AdminModule.register({ readiness, registry, clusterRegistry: clients.registry }), {
    logger: new NestLogger(log.child({ subsystem: 'nest' })),
    abortOnError: false,
  });
  await app.init();
  const bind = parseBindAddr(config.admin.bindAddr);
  await app.listen(bind.port, bind.host || '0.0.0.0');
  const adminAddr = app.getHttpServer().address() as AddressInfo;
  reportClusterHealth(readiness, registry, clients);

  const registration = new NodeRegistration({
    registry: clients.registry,
    bus: clients.bus,
    node: {
      id,
      role: 'admin',
      state: 'active',
      adminAddr: advertiseAddr(config.admin.advertiseAddr, config.admin.bindAddr, adminAddr.port),
      startedAt: Date.now(),
    },
    source: new EndpointCountMap(),
    heartbeatIntervalMs: config.cluster.registry.heartbeatInterval,
    logger: log.child({ subsystem: 'cluster' }),
  });
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
      await sweeper.stop();
      await registration.close();
      await app.close();
      log.info('shutdown complete');
    },
  };
}
