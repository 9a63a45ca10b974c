import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { httpAuthMiddleware, loadAuthenticator } from '@piko/auth';
import { Sweeper } from '@piko/cluster';
import type { ServerConfig } from '@piko/config';
import { bindPort, createMetrics, type Logger, Readiness } from '@piko/observability';
import { listenNest, NestLogger } from '@piko/ops';
import { advertiseAddr, type ClusterClients, nodeId, nodeRegistration, reportClusterHealth, reportRegistration, type RunningRole, serverTls, waitShutdownDelay, PortServerAdapter } from '@piko/runtime';
import { createUpstreamWsAdapter } from '../create-upstream-ws-adapter';
import { RelayServer } from '../relay/relay-server';
import { UpstreamGateway } from '../upstream.gateway';
import { UpstreamListener } from '../upstream-listener';
import { UpstreamPool } from '../upstream-pool';
import { GatewayRpc } from '../admin/gateway-rpc';
import { Rebalancer } from './rebalancer';
import { gatewayOptions, relayServerOptions } from './gateway-config';
import { GatewayNodeModule } from './gateway-node.module';

export interface RunningGateway extends RunningRole {
  readonly nodeId: string;
  readonly upstreamAddr: AddressInfo;
  readonly relayAddr: AddressInfo;
  readonly opsAddr: AddressInfo;
}

/**
 * A gateway on its own (`piko gateway`, the upstream-gateway container). Start order: ops port
 * first but not ready; the relay port before the upstream port, so a route to this gateway is
 * never published before proxies can reach it; registration once both listen; then ready.
 * Shutdown (SIGTERM) drains: not ready, still accepting for `shutdown_delay`, marked draining (proxies prefer other gateways), no new
 * upstreams, go-away to the connected ones so they reconnect elsewhere, in-flight streams finish
 * within `grace_period`, then the registry entries are removed and the process leaves.
 */
export async function startGatewayNode(config: ServerConfig, logger: Logger, clients: ClusterClients): Promise<RunningGateway> {
  const { registry } = createMetrics();
  const readiness = new Readiness();
  const pool = new UpstreamPool();
  const id = nodeId(config.cluster, 'gateway');
  const log = logger.child({ nodeId: id });
  const opsTls = serverTls(config.ops.tls, 'ops.tls', log.child({ subsystem: 'tls' }));
  const upstreamTls = serverTls(config.upstream.tls, 'upstream.tls', log.child({ subsystem: 'tls' }));
  const relayTls = serverTls(config.relay.tls, 'relay.tls', log.child({ subsystem: 'tls' }));
  // Before any port opens: a bad key or JWKS file stops the process (ConfigError).
  const upstreamAuth = await loadAuthenticator(config, 'upstream', log);
  // Checked before any port opens: an unauthenticated relay is a config error (relay.secret).
  const relayOptions = relayServerOptions(config, relayTls);

  const app = await NestFactory.create(
    GatewayNodeModule.register({
      ops: { readiness, registry },
      gateway: { options: { ...gatewayOptions(config), tls: upstreamTls }, pool, logger: log, registry },
    }),
    new PortServerAdapter({ tls: opsTls, readHeaderTimeoutMs: config.ops.readHeaderTimeout }),
    { logger: new NestLogger(log.child({ subsystem: 'nest' })), abortOnError: false },
  );
  // admin.auth guards this node's ops port (/metrics) as Go Piko's guards every node's admin port.
  const opsAuth = await loadAuthenticator(config, 'admin', log);
  if (opsAuth) app.use(httpAuthMiddleware(opsAuth));
  const wsAdapter = createUpstreamWsAdapter(app, upstreamAuth);
  app.useWebSocketAdapter(wsAdapter);
  await app.init();
  const opsAddr = await bindPort('--ops.bind-addr', config.ops.bindAddr, () => listenNest(app, config.ops.bindAddr));
  reportClusterHealth(readiness, registry, clients);

  const relay = new RelayServer(pool, relayOptions, log.child({ subsystem: 'relay' }), registry);
  const relayAddr = await bindPort('--relay.bind-addr', config.relay.bindAddr, () => relay.listen());
  const upstreamListener = app.get(UpstreamListener);
  const upstreamAddr = await bindPort('--upstream.bind-addr', config.upstream.bindAddr, () => upstreamListener.listen());

  const registration = nodeRegistration(
    config,
    clients,
    {
      id,
      role: 'gateway',
      relayAddr: advertiseAddr(config.relay.advertiseAddr, config.relay.bindAddr, relayAddr.port),
      upstreamAddr: advertiseAddr(config.upstream.advertiseAddr, config.upstream.bindAddr, upstreamAddr.port),
    },
    log,
    pool,
  );
  reportRegistration(registry, registration);
  await registration.start();
  const sweeper = new Sweeper({ registry: clients.registry, intervalMs: config.cluster.registry.sweepInterval, logger: log });
  sweeper.start();
  const rebalancer = new Rebalancer(pool, clients.registry, id, config.upstream.rebalance, log.child({ subsystem: 'rebalance' }), registry);
  rebalancer.start();
  // The admin API's questions and commands (libs/cluster/src/rpc-messages.ts), over NATS.
  const rpc = new GatewayRpc({
    nodeId: id,
    pool,
    rpc: clients.bus,
    retireGraceMs: config.gracePeriod,
    logger: log.child({ subsystem: 'admin' }),
    drain: { readiness, registration, stopRebalancing: () => rebalancer.stop(), stopAccepting: () => wsAdapter.stopAccepting() },
  });
  rpc.start();
  readiness.markReady();
  log.info('gateway ready', { relay: `${relayAddr.address}:${relayAddr.port}`, upstream: `${upstreamAddr.address}:${upstreamAddr.port}` });

  return {
    nodeId: id,
    upstreamAddr,
    relayAddr,
    opsAddr,
    async shutdown() {
      readiness.markShuttingDown();
      rebalancer.stop();
      // Agents the load balancer still sends here are accepted (and told go-away with the rest below).
      await waitShutdownDelay(config.shutdownDelay, log);
      const deadline = Date.now() + config.gracePeriod;
      await registration.drain();
      wsAdapter.stopAccepting();
      const upstreamClosed = upstreamListener.close();
      // Upstreams reconnect elsewhere on go-away; until then their sessions still serve the
      // relay streams proxies send here (a draining gateway is their fallback route).
      await app.get(UpstreamGateway).drain(deadline);
      await relay.drain(deadline);
      await upstreamClosed;
      await registration.close();
      rpc.stop();
      await sweeper.stop();
      await app.close();
      opsTls?.detach(app.getHttpServer());
      log.info('shutdown complete');
    },
  };
}
