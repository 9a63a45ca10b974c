import type { ClusterEvent } from './cluster-event';
import type { ClusterRpc } from './cluster-rpc';
import type { ConnectionStatusSource } from './connection-status';

export type ClusterEventHandler = (event: ClusterEvent) => void;

/**
 * Cluster-wide events: endpoint count changes and node join/leave/drain. Delivery is at most
 * once; readers detect losses by the per-node `seq` and resync from the registry. Also carries
 * request/reply between nodes (ClusterRpc: the admin API's questions and commands).
 */
export interface ClusterBus extends ConnectionStatusSource, ClusterRpc {
  /** Rejects with BusUnavailableError if there is no connection to publish on. */
  publish(event: ClusterEvent): Promise<void>;
  /** Handlers receive every valid event (including this node's own); returns unsubscribe. */
  subscribe(handler: ClusterEventHandler): () => void;
  close(): Promise<void>;
}
