import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { RoutingTable, Sweeper } from '@piko/cluster';
import type { ServerConfig } from '@piko/config';
import { LocalUpstreamDialer, Rebalancer, RelayServer, relayServerOptions, type UpstreamPool } from '@piko/gateway';
import { bindPort, type Logger } from '@piko/observability';
import { TcpToHttpEndpointError } from '@piko/protocol';
import { clusterGatewayOf, ClusterDialMetrics, ClusterUpstreamDialer, RelayClient, relayClientOptions, RoutingMetrics, type UpstreamDialer } from '@piko/proxy';
import { type ClusterClients, serverTls } from '@piko/runtime';
import type { Registry } from 'prom-client';

/**
 * What a combined `piko server` node (started with cluster.nats_url and cluster.redis_url) adds to
 * the one-process server so that it is a member of the cluster like a `piko gateway` plus a
 * `piko proxy`: the relay port other nodes' proxies dial for this node's upstreams, the routing
 * table (Redis + NATS) and relay client its own proxy uses for upstreams held by other nodes,
 * the upstream rebalancer and the sweeper of dead nodes' registry entries.
 */
export interface ClusterLinks {
  /** The proxy's dialer: an upstream connected to this node first, else a relay stream to another node (Go Piko's server/upstream manager does the same). */
  readonly dialer: UpstreamDialer;
  /** Opens the relay port (`relay.bind_addr`); before the upstream port, so no route here is published before proxies can reach it. */
  listenRelay(): Promise<AddressInfo>;
  /** Loads the routing table (Redis) and follows its changes (NATS); before the proxy port opens. */
  loadRoutes(): Promise<void>;
  /** Starts the rebalancer and the sweeper; once this node is registered. */
  startMaintenance(): void;
  /** SIGTERM: no more shedding of upstreams to other nodes. */
  stopRebalancing(): void;
  /** Lets the relay streams in flight finish until `deadline` (epoch ms), refusing new ones. */
  drainRelay(deadline: number): Promise<void>;
  /** Closes the routing table, relay links and sweeper (after the node left the registry). */
  close(): Promise<void>;
  /** The gateway a dialed stream goes to: another node over the relay, else this node (traffic inspection's `gateway_node`). */
  gatewayOf(stream: Duplex): string | undefined;
}

/**
 * Builds the combined node's cluster links. Throws ConfigError before any port opens when the
 * relay link would be unauthenticated (neither relay.secret nor mutual relay TLS) or a relay TLS
 * file cannot be read, as `piko gateway` and `piko proxy` do.
 */
export function clusterLinks(
  config: ServerConfig,
  clients: ClusterClients,
  node: { id: string; pool: UpstreamPool; metrics: Registry },
  logger: Logger,
): ClusterLinks {
  const relayTls = serverTls(config.relay.tls, 'relay.tls', logger.child({ subsystem: 'tls' }));
  const relayServer = new RelayServer(node.pool, relayServerOptions(config, relayTls), logger.child({ subsystem: 'relay' }), node.metrics);
  const relayClient = new RelayClient(relayClientOptions(config), logger.child({ subsystem: 'relay' }), node.metrics);
  const routing = new RoutingTable({
    registry: clients.registry,
    bus: clients.bus,
    resyncIntervalMs: config.cluster.resyncInterval,
    logger: logger.child({ subsystem: 'routing' }),
  });
  new RoutingMetrics(node.metrics, routing);
  const remote = new ClusterUpstreamDialer(routing, relayClient, logger.child({ subsystem: 'proxy' }), Math.random, new ClusterDialMetrics(node.metrics), {
    rerouteTimeoutMs: config.proxy.rerouteTimeout,
  });
  const sweeper = new Sweeper({ registry: clients.registry, intervalMs: config.cluster.registry.sweepInterval, logger });
  const rebalancer = new Rebalancer(node.pool, clients.registry, node.id, config.upstream.rebalance, logger.child({ subsystem: 'rebalance' }), node.metrics);

  const local = new LocalUpstreamDialer(node.pool);
  const remoteGateway = clusterGatewayOf(relayClient, routing);
  return {
    dialer: {
      // An upstream on this node first, as dial does; else a gateway, through the relay.
      choose: (endpointId: string) => local.choose(endpointId) ?? remote.choose(endpointId),
      async dial(endpointId: string, options: { rawTcp?: boolean } = {}): Promise<Duplex | undefined> {
        const local = node.pool.dial(endpointId, options);
        if (local) return local;
        // A raw TCP stream the local upstreams refuse (all HTTP) may still find a TCP upstream
        // elsewhere; remote.dial rejects with TcpToHttpEndpointError if the others are HTTP too.
        const remoteStream = await remote.dial(endpointId, options);
        if (!remoteStream && options.rawTcp && node.pool.servesOnlyHttp(endpointId)) throw new TcpToHttpEndpointError(endpointId);
        return remoteStream;
      },
    },
    listenRelay: () => bindPort('--relay.bind-addr', config.relay.bindAddr, () => relayServer.listen()),
    loadRoutes: () => routing.start(),
    startMaintenance() {
      sweeper.start();
      rebalancer.start();
    },
    stopRebalancing: () => rebalancer.stop(),
    drainRelay: (deadline) => relayServer.drain(deadline),
    async close() {
      await routing.close();
      relayClient.close();
      await sweeper.stop();
    },
    gatewayOf: (stream) => remoteGateway(stream) ?? node.id,
  };
}
