import { Inject, Injectable } from '@nestjs/common';
import type { RegistrySnapshot } from '@piko/cluster';
import type {
  ClusterResponse,
  EndpointDetailResponse,
  EndpointSummary,
  GoEndpointCounts,
  GoNode,
  GoNodeMetadata,
  NodeDetailResponse,
  NodeView,
  StateCounts,
} from '../api';
import { ADMIN_CONTEXT, type AdminContext } from './admin-context';
import type { SeenNode } from './node-history';
import { byRoleThenId, nodeEndpoints, nodeView } from './node-views';

/**
 * The read side of the admin API: nodes, endpoints and the cluster summary, from one registry
 * snapshot per call, the history of nodes that left, and the request rates the poller keeps.
 * Registry failures propagate (RegistryUnavailableError → 503).
 */
@Injectable()
export class ClusterReader {
  constructor(@Inject(ADMIN_CONTEXT) private readonly context: AdminContext) {}

  async nodes(): Promise<NodeView[]> {
    const snapshot = await this.snapshot();
    const live = [...snapshot.nodes.values()].map((info) => this.view(snapshot, { info, heartbeatAt: snapshot.heartbeats?.get(info.id) }));
    const left = this.context.history.left().map((seen) => this.view(snapshot, seen));
    return [...live, ...left].sort(byRoleThenId);
  }

  /** A live node, or one that left within the retention; undefined if unknown. */
  async node(id: string): Promise<NodeDetailResponse | undefined> {
    const snapshot = await this.snapshot();
    const info = snapshot.nodes.get(id);
    const seen: SeenNode | undefined = info ? { info, heartbeatAt: snapshot.heartbeats?.get(id) } : this.context.history.get(id);
    if (!seen) return undefined;
    const endpoints = seen.leftAt === undefined ? nodeEndpoints(snapshot, id) : {};
    return { ...nodeView(seen, endpoints, this.context.rates.nodeRates(id)), endpoints };
  }

  async endpoints(): Promise<EndpointSummary[]> {
    const snapshot = await this.snapshot();
    return [...snapshot.endpoints.keys()].map((id) => this.summary(snapshot, id));
  }

  async endpoint(id: string): Promise<EndpointDetailResponse | undefined> {
    const snapshot = await this.snapshot();
    const owners = snapshot.endpoints.get(id);
    if (!owners) return undefined;
    const gateways = [...owners]
      .map(([node, upstreams]) => ({ node, upstreams, state: snapshot.nodes.get(node)?.state ?? ('active' as const) }))
      .sort((a, b) => a.node.localeCompare(b.node));
    return { ...this.summary(snapshot, id), gateways };
  }

  async cluster(): Promise<ClusterResponse> {
    const nodes = await this.nodes();
    const byRole = { proxy: zero(), gateway: zero(), admin: zero() };
    for (const node of nodes) byRole[node.role][node.state]++;
    const snapshot = await this.snapshot();
    let upstreams = 0;
    for (const owners of snapshot.endpoints.values()) for (const count of owners.values()) upstreams += count;
    return {
      nodes: { total: nodes.filter((n) => n.state !== 'left').length, byRole },
      endpoints: snapshot.endpoints.size,
      upstreams,
      rates: this.context.rates.totalRates(),
      unreachable: this.context.rates.unreachable(),
    };
  }

  /** Gateway IDs from the registry (live ones, draining included). */
  async gatewayIds(): Promise<string[]> {
    const snapshot = await this.snapshot();
    return [...snapshot.nodes.values()].filter((n) => n.role === 'gateway').map((n) => n.id).sort();
  }

  // Go Piko's status views (server/cluster/status.go, server/upstream/status.go).

  async goNodes(): Promise<GoNodeMetadata[]> {
    return (await this.nodes()).map((n) => ({
      id: n.id,
      status: n.state,
      proxy_addr: n.addresses.proxy ?? '',
      admin_addr: n.addresses.admin ?? '',
      endpoints: n.counts.endpoints,
      upstreams: n.counts.upstreams,
    }));
  }

  async goNode(id: string): Promise<GoNode | undefined> {
    const node = await this.node(id === 'local' ? this.context.nodeId : id);
    if (!node) return undefined;
    const out: GoNode = { id: node.id, status: node.state, proxy_addr: node.addresses.proxy ?? '', admin_addr: node.addresses.admin ?? '' };
    // Go omits a node's empty endpoint map (a nil map marshals as null; its client reads it as none).
    if (Object.keys(node.endpoints).length > 0) out.endpoints = node.endpoints;
    return out;
  }

  async goEndpoints(): Promise<GoEndpointCounts> {
    return Object.fromEntries((await this.endpoints()).map((e) => [e.id, e.upstreams]));
  }

  private async snapshot(): Promise<RegistrySnapshot> {
    const snapshot = await this.context.registry.snapshot();
    this.context.history.observe(snapshot);
    return snapshot;
  }

  private view(snapshot: RegistrySnapshot, seen: SeenNode): NodeView {
    const endpoints = seen.leftAt === undefined ? nodeEndpoints(snapshot, seen.info.id) : {};
    return nodeView(seen, endpoints, this.context.rates.nodeRates(seen.info.id));
  }

  private summary(snapshot: RegistrySnapshot, id: string): EndpointSummary {
    const owners = snapshot.endpoints.get(id) ?? new Map<string, number>();
    let upstreams = 0;
    for (const count of owners.values()) upstreams += count;
    return { id, upstreams, gatewayCount: owners.size, ...this.context.rates.endpointRates(id) };
  }
}

function zero(): StateCounts {
  return { active: 0, draining: 0, left: 0 };
}
