import { EventEmitter } from 'node:events';
import type { ConnectionStatus } from './connection-status';
import type { EndpointRegistry } from './endpoint-registry';
import { ClusterClosedError } from './errors';
import type { NodeInfo, NodeState, RegistrySnapshot } from './node-info';

export interface InMemoryEndpointRegistryOptions {
  /** Lease TTL in milliseconds (default 10 000, as for Redis). */
  leaseTtlMs?: number;
  /** Clock in Unix milliseconds; injected by tests to expire leases without waiting. */
  now?: () => number;
}

interface NodeRecord {
  info: NodeInfo;
  leaseExpiresAt: number;
  endpoints: Map<string, number>;
}

/**
 * The single-process twin of RedisEndpointRegistry, with the same lease semantics: a lease is
 * live while `now() < leaseExpiresAt`, checked lazily on every read, so no timer is needed.
 */
export class InMemoryEndpointRegistry extends EventEmitter implements EndpointRegistry {
  readonly status: ConnectionStatus = 'connected';
  private readonly records = new Map<string, NodeRecord>();
  private readonly leaseTtlMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(options: InMemoryEndpointRegistryOptions = {}) {
    super();
    this.leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async registerNode(node: NodeInfo, endpoints?: ReadonlyMap<string, number>): Promise<void> {
    this.assertOpen();
    const existing = this.records.get(node.id);
    this.records.set(node.id, {
      info: { ...node },
      leaseExpiresAt: this.now() + this.leaseTtlMs,
      endpoints: existing?.endpoints ?? new Map(),
    });
    if (endpoints) await this.replaceEndpoints(node.id, endpoints);
  }

  async refreshLease(nodeId: string): Promise<boolean> {
    this.assertOpen();
    const record = this.liveRecord(nodeId);
    if (!record) return false;
    record.leaseExpiresAt = this.now() + this.leaseTtlMs;
    return true;
  }

  async setNodeState(nodeId: string, state: NodeState): Promise<void> {
    this.assertOpen();
    const record = this.liveRecord(nodeId);
    if (record) record.info = { ...record.info, state };
  }

  async setEndpointCount(nodeId: string, endpointId: string, count: number): Promise<void> {
    this.assertOpen();
    const endpoints = this.endpointsOf(nodeId);
    if (count > 0) endpoints.set(endpointId, count);
    else endpoints.delete(endpointId);
  }

  async setEndpointCounts(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    this.assertOpen();
    const endpoints = this.endpointsOf(nodeId);
    for (const [endpointId, count] of counts) {
      if (count > 0) endpoints.set(endpointId, count);
      else endpoints.delete(endpointId);
    }
  }

  async replaceEndpoints(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    this.assertOpen();
    const endpoints = this.endpointsOf(nodeId);
    endpoints.clear();
    for (const [endpointId, count] of counts) if (count > 0) endpoints.set(endpointId, count);
  }

  async removeNode(nodeId: string): Promise<void> {
    this.assertOpen();
    this.records.delete(nodeId);
  }

  async snapshot(): Promise<RegistrySnapshot> {
    this.assertOpen();
    const snapshot: RegistrySnapshot = { nodes: new Map(), endpoints: new Map(), heartbeats: new Map() };
    for (const [nodeId, record] of this.records) {
      if (!this.isLive(record)) continue;
      snapshot.nodes.set(nodeId, { ...record.info });
      snapshot.heartbeats?.set(nodeId, record.leaseExpiresAt - this.leaseTtlMs);
      for (const [endpointId, count] of record.endpoints) {
        let owners = snapshot.endpoints.get(endpointId);
        if (!owners) snapshot.endpoints.set(endpointId, (owners = new Map()));
        owners.set(nodeId, count);
      }
    }
    return snapshot;
  }

  async sweep(): Promise<number> {
    this.assertOpen();
    let swept = 0;
    for (const [nodeId, record] of this.records) {
      if (this.isLive(record)) continue;
      this.records.delete(nodeId);
      swept++;
    }
    return swept;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private endpointsOf(nodeId: string): Map<string, number> {
    let record = this.records.get(nodeId);
    if (!record) {
      // Like Redis, entries may be written without a lease; readers ignore them until one exists.
      record = { info: { id: nodeId, role: 'gateway', state: 'active', startedAt: 0 }, leaseExpiresAt: 0, endpoints: new Map() };
      this.records.set(nodeId, record);
    }
    return record.endpoints;
  }

  private liveRecord(nodeId: string): NodeRecord | undefined {
    const record = this.records.get(nodeId);
    return record && this.isLive(record) ? record : undefined;
  }

  private isLive(record: NodeRecord): boolean {
    return this.now() < record.leaseExpiresAt;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClusterClosedError('registry');
  }
}
