export type NodeRole = 'proxy' | 'gateway' | 'admin';
export type NodeState = 'active' | 'draining';

/** What a node tells the cluster about itself; stored in the registry under its lease. */
export interface NodeInfo {
  id: string;
  role: NodeRole;
  state: NodeState;
  /** host:port where proxies open relay links (gateways only). */
  relayAddr?: string;
  upstreamAddr?: string;
  proxyAddr?: string;
  adminAddr?: string;
  /** Unix milliseconds. */
  startedAt: number;
  /** The node's Piko version (`piko --version`); absent from nodes that predate it. */
  version?: string;
}

/**
 * The registry as a reader sees it: only nodes with a live lease, and only their entries.
 * `endpoints` maps endpoint ID → (node ID → upstream count); counts are always > 0.
 */
export interface RegistrySnapshot {
  nodes: Map<string, NodeInfo>;
  endpoints: Map<string, Map<string, number>>;
  /**
   * Node ID → Unix ms of its last lease refresh (heartbeat), derived from the lease's remaining
   * TTL and this reader's lease TTL (`cluster.registry.lease_ttl`, the same on every node).
   */
  heartbeats?: Map<string, number>;
}

export const NODE_ROLES: readonly NodeRole[] = ['proxy', 'gateway', 'admin'];
export const NODE_STATES: readonly NodeState[] = ['active', 'draining'];
