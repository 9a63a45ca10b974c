import { type ClusterBus, EndpointCountMap, type EndpointCountSource, type EndpointRegistry, type NodeInfo, NodeRegistration } from '@piko/cluster';
import type { ServerConfig } from '@piko/config';
import { type Logger, pikoVersion } from '@piko/observability';

/**
 * This process as a member of the cluster: its lease and endpoint counts in the registry, kept
 * fresh on `cluster.registry.heartbeat_interval`. Nodes without upstreams (proxy, admin) register
 * too, with no endpoints, so the cluster's membership lists every node. Call `start()` when the
 * node's ports listen, `drain()` / `close()` on shutdown.
 */
export function nodeRegistration(
  config: ServerConfig,
  cluster: { registry: EndpointRegistry; bus: ClusterBus },
  node: Omit<NodeInfo, 'state' | 'startedAt' | 'version'>,
  logger: Logger,
  source: EndpointCountSource = new EndpointCountMap(),
): NodeRegistration {
  return new NodeRegistration({
    registry: cluster.registry,
    bus: cluster.bus,
    node: { ...node, state: 'active', startedAt: Date.now(), version: pikoVersion() },
    source,
    heartbeatIntervalMs: config.cluster.registry.heartbeatInterval,
    logger: logger.child({ subsystem: 'cluster' }),
  });
}
