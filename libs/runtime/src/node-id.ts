import { randomBytes } from 'node:crypto';
import type { ClusterConfig } from '@piko/config';

/**
 * This node's ID: `cluster.node_id` as given, else `cluster.node_id_prefix` (or the role) plus a
 * random suffix, new at every start as in Go Piko, so a restarted node never inherits the
 * registry entries or event sequence of its previous life.
 */
export function nodeId(cluster: ClusterConfig, role: string): string {
  if (cluster.nodeId) return cluster.nodeId;
  return `${cluster.nodeIdPrefix || role}-${randomBytes(4).toString('hex')}`;
}
