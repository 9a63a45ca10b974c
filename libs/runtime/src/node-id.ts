import { randomInt } from 'node:crypto';
import type { ClusterConfig } from '@piko/config';

// Go Piko's server/cluster/node.go GenerateNodeID: 7 characters of this alphabet.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz1234567890';

/** Go Piko's random node ID part: 7 lower-case letters and digits from a CSPRNG. */
export function randomNodeIdSuffix(): string {
  let out = '';
  for (let i = 0; i < 7; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/**
 * This node's ID, as Go Piko's cli/server/command.go builds it: `cluster.node_id` as given, else
 * `cluster.node_id_prefix` followed directly by a random suffix (`${POD_NAME}-` gives
 * 'piko-0-k3x9q2a'), else the role, a dash and the suffix ('gateway-k3x9q2a'). The suffix is new
 * at every start, so a restarted node never inherits the registry entries or event sequence of
 * its previous life.
 */
export function nodeId(cluster: ClusterConfig, role: string): string {
  if (cluster.nodeId) return cluster.nodeId;
  return cluster.nodeIdPrefix ? `${cluster.nodeIdPrefix}${randomNodeIdSuffix()}` : `${role}-${randomNodeIdSuffix()}`;
}
