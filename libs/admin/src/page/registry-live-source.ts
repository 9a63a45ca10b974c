import type { EndpointRegistry } from '@piko/cluster';
import type { EndpointSummary, NodeView } from '../api';
import type { LiveReading, LiveSource } from './live-source';

/**
 * The live channel's reading straight from the registry: nodes with a live lease and how many
 * upstreams each endpoint has where. No sessions, no request rates (ratesKnown false).
 */
export class RegistryLiveSource implements LiveSource {
  constructor(private readonly registry: EndpointRegistry) {}

  async read(): Promise<LiveReading> {
    const snapshot = await this.registry.snapshot();
    const held = new Map<string, { endpoints: number; upstreams: number }>();
    const endpoints: EndpointSummary[] = [...snapshot.endpoints].map(([id, owners]) => {
      let upstreams = 0;
      for (const [node, count] of owners) {
        upstreams += count;
        const h = held.get(node) ?? { endpoints: 0, upstreams: 0 };
        held.set(node, { endpoints: h.endpoints + 1, upstreams: h.upstreams + count });
      }
      return { id, upstreams, gatewayCount: owners.size, requestsPerSecond: 0, errorsPerSecond: 0 };
    });
    endpoints.sort((a, b) => a.id.localeCompare(b.id));
    const nodes: NodeView[] = [...snapshot.nodes.values()].map((n) => ({
      id: n.id,
      role: n.role,
      state: n.state,
      addresses: { proxy: n.proxyAddr, upstream: n.upstreamAddr, relay: n.relayAddr, admin: n.adminAddr },
      version: null,
      startedAt: new Date(n.startedAt).toISOString(),
      lastHeartbeatAt: null,
      counts: held.get(n.id) ?? { endpoints: 0, upstreams: 0 },
      rates: null,
    }));
    return { nodes, endpoints, unreachable: [], ratesKnown: false };
  }
}
