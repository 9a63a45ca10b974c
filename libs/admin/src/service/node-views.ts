import type { NodeInfo, RegistrySnapshot } from '@piko/cluster';
import type { NodeAddresses, NodeView, NodeViewState, RequestRates } from '../api';
import type { SeenNode } from './node-history';

/** Endpoint ID → upstream count of one node, from the snapshot. */
export function nodeEndpoints(snapshot: RegistrySnapshot, nodeId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [endpointId, owners] of snapshot.endpoints) {
    const count = owners.get(nodeId);
    if (count) out[endpointId] = count;
  }
  return out;
}

function addresses(info: NodeInfo): NodeAddresses {
  const out: NodeAddresses = {};
  if (info.proxyAddr) out.proxy = info.proxyAddr;
  if (info.upstreamAddr) out.upstream = info.upstreamAddr;
  if (info.relayAddr) out.relay = info.relayAddr;
  if (info.adminAddr) out.admin = info.adminAddr;
  return out;
}

/**
 * One node's API view (NodeView). A live node's state is the registry's; a node that left has
 * `left`, its last known info and no counts.
 */
export function nodeView(seen: SeenNode, endpoints: Record<string, number>, rates: RequestRates | null): NodeView {
  const { info } = seen;
  const state: NodeViewState = seen.leftAt !== undefined ? 'left' : info.state;
  const counts = Object.values(endpoints);
  return {
    id: info.id,
    role: info.role,
    state,
    addresses: addresses(info),
    version: info.version ?? null,
    startedAt: new Date(info.startedAt).toISOString(),
    lastHeartbeatAt: seen.heartbeatAt !== undefined ? new Date(seen.heartbeatAt).toISOString() : null,
    counts: { endpoints: counts.length, upstreams: counts.reduce((a, b) => a + b, 0) },
    rates: state === 'left' ? null : rates,
  };
}

/** Sort order of node lists: role, then ID. */
export function byRoleThenId(a: NodeView, b: NodeView): number {
  return a.role.localeCompare(b.role) || a.id.localeCompare(b.id);
}
