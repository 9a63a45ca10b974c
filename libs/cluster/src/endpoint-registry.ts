import type { ConnectionStatusSource } from './connection-status';
import type { NodeInfo, NodeState, RegistrySnapshot } from './node-info';

/**
 * Who owns what: nodes under leases, and per gateway node the number of upstreams it holds for
 * each endpoint. Entries of a node whose lease has expired are invisible to readers at once and
 * deleted by `sweep()`.
 */
export interface EndpointRegistry extends ConnectionStatusSource {
  /**
   * Writes the node's info and (re)creates its lease with the configured TTL. With `endpoints`,
   * the node's endpoint entries are replaced in the same transaction: a reader never sees the
   * node registered without them (a proxy resyncing in between would drop its routes).
   */
  registerNode(node: NodeInfo, endpoints?: ReadonlyMap<string, number>): Promise<void>;
  /** Extends the lease; false if it had already expired (the caller must re-register everything). */
  refreshLease(nodeId: string): Promise<boolean>;
  /** Changes the node's state; a no-op if its lease has expired. */
  setNodeState(nodeId: string, state: NodeState): Promise<void>;
  /** Sets the node's upstream count for an endpoint; 0 deletes the entry. */
  setEndpointCount(nodeId: string, endpointId: string, count: number): Promise<void>;
  /**
   * Sets several of the node's endpoint counts (endpoint ID → count; 0 deletes the entry) in one
   * transaction, one round trip: how a gateway writes the changes of one event-loop turn (see
   * NodeRegistration). Entries not named are left as they are.
   */
  setEndpointCounts(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void>;
  /** Atomically replaces all of the node's endpoint entries (used after Redis comes back). */
  replaceEndpoints(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void>;
  /** Graceful leave: deletes the lease and all the node's entries now. */
  removeNode(nodeId: string): Promise<void>;
  snapshot(): Promise<RegistrySnapshot>;
  /** Deletes the entries of nodes without a live lease; returns how many nodes were swept. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}
