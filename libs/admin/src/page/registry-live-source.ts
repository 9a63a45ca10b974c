import type { EndpointRegistry } from '@piko/cluster';
import type { LiveEndpoint, LiveNode } from './live-event';
import type { LiveReading, LiveSource } from './live-source';

/**
 * The live channel's reading straight from the registry: nodes with a live lease and which gateway
 * holds how many upstreams of each endpoint. It has no sessions and no request counts.
 */
export class RegistryLiveSource implements LiveSource {
  constructor(private readonly registry: EndpointRegistry) {}

  async read(): Promise<LiveReading> {
    const snapshot = await this.registry.snapshot();
    const held = new Map<string, number>();
    const endpoints: LiveEndpoint[] = [...snapshot.endpoints].map(([id, owners]) => {
      let upstreams = 0;
      for (const [node, count] of owners) {
        upstreams += count;
        held.set(node, (held.get(node) ?? 0) + count);
      }
      return { id, gateways: Object.fromEntries(owners), upstreams };
    });
    const nodes: LiveNode[] = [...snapshot.nodes.values()].map((n) => ({
      id: n.id,
      role: n.role,
      state: n.state,
      startedAt: n.startedAt,
      addresses: Object.fromEntries(
        Object.entries({ proxy: n.proxyAddr, upstream: n.upstreamAddr, relay: n.relayAddr, admin: n.adminAddr }).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
        ),
      ),
      upstreams: held.get(n.id) ?? 0,
    }));
    return { nodes, endpoints };
  }
}
