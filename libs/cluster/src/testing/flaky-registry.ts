import { EventEmitter } from 'node:events';
import type { ConnectionStatus } from '../connection-status';
import type { EndpointRegistry } from '../endpoint-registry';
import { ClusterError } from '../errors';
import type { InMemoryEndpointRegistry } from '../in-memory-endpoint-registry';
import type { NodeInfo, NodeState, RegistrySnapshot } from '../node-info';

/**
 * For unit tests of the registry's callers: an in-memory registry that can be switched "down",
 * every call then failing as a client with no Redis would. (Redis itself is exercised by the
 * integration tests against a real redis-server.)
 */
export class FlakyRegistry extends EventEmitter implements EndpointRegistry {
  private isDown = false;
  calls = 0;
  /** While set, every call waits for it first (to hold a snapshot "in flight"). */
  hold: Promise<void> | undefined;

  constructor(readonly inner: InMemoryEndpointRegistry) {
    super();
  }

  get down(): boolean {
    return this.isDown;
  }

  /** Switches the "connection", emitting 'status' as the Redis registry does. */
  set down(value: boolean) {
    if (value === this.isDown) return;
    this.isDown = value;
    this.emit('status', this.status);
  }

  get status(): ConnectionStatus {
    return this.isDown ? 'reconnecting' : 'connected';
  }

  registerNode(node: NodeInfo, endpoints?: ReadonlyMap<string, number>): Promise<void> {
    return this.call(() => this.inner.registerNode(node, endpoints));
  }
  refreshLease(nodeId: string): Promise<boolean> {
    return this.call(() => this.inner.refreshLease(nodeId));
  }
  setNodeState(nodeId: string, state: NodeState): Promise<void> {
    return this.call(() => this.inner.setNodeState(nodeId, state));
  }
  setEndpointCount(nodeId: string, endpointId: string, count: number): Promise<void> {
    return this.call(() => this.inner.setEndpointCount(nodeId, endpointId, count));
  }
  setEndpointCounts(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    return this.call(() => this.inner.setEndpointCounts(nodeId, counts));
  }
  replaceEndpoints(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    return this.call(() => this.inner.replaceEndpoints(nodeId, counts));
  }
  removeNode(nodeId: string): Promise<void> {
    return this.call(() => this.inner.removeNode(nodeId));
  }
  snapshot(): Promise<RegistrySnapshot> {
    return this.call(() => this.inner.snapshot());
  }
  sweep(): Promise<number> {
    return this.call(() => this.inner.sweep());
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    this.calls++;
    await this.hold;
    if (this.isDown) throw new ClusterError('registry unreachable (test)', 'ERR_TEST_DOWN');
    return fn();
  }
}
