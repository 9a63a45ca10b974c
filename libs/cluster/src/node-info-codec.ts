import { NODE_ROLES, NODE_STATES, type NodeInfo, type NodeRole, type NodeState } from './node-info';

/** NodeInfo's optional string fields: the addresses and the version. */
const ADDRESS_FIELDS = ['relayAddr', 'upstreamAddr', 'proxyAddr', 'adminAddr', 'version'] as const;

/** Describes why `value` is not a NodeInfo, or returns undefined if it is one. */
export function nodeInfoProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'node is not an object';
  const node = value as Record<string, unknown>;
  if (typeof node.id !== 'string' || node.id === '') return 'node.id must be a non-empty string';
  if (!NODE_ROLES.includes(node.role as NodeRole)) return `node.role must be one of ${NODE_ROLES.join(', ')}`;
  if (!NODE_STATES.includes(node.state as NodeState)) return `node.state must be one of ${NODE_STATES.join(', ')}`;
  if (typeof node.startedAt !== 'number' || !Number.isFinite(node.startedAt)) return 'node.startedAt must be a number';
  for (const field of ADDRESS_FIELDS) {
    if (node[field] !== undefined && typeof node[field] !== 'string') return `node.${field} must be a string`;
  }
  return undefined;
}

/** A NodeInfo without unknown fields (a message may carry extra ones; we keep only ours). */
export function pickNodeInfo(node: NodeInfo): NodeInfo {
  const out: NodeInfo = { id: node.id, role: node.role, state: node.state, startedAt: node.startedAt };
  for (const field of ADDRESS_FIELDS) if (node[field] !== undefined) out[field] = node[field];
  return out;
}

/** NodeInfo as the flat string fields of a Redis hash. */
export function nodeInfoToHash(node: NodeInfo): Record<string, string> {
  const hash: Record<string, string> = { id: node.id, role: node.role, state: node.state, startedAt: String(node.startedAt) };
  for (const field of ADDRESS_FIELDS) if (node[field] !== undefined) hash[field] = node[field] as string;
  return hash;
}

/** The inverse of nodeInfoToHash; undefined if the hash is empty (no live lease) or malformed. */
export function nodeInfoFromHash(hash: Record<string, string>): NodeInfo | undefined {
  if (!hash.id) return undefined;
  const candidate: Record<string, unknown> = { ...hash, startedAt: Number(hash.startedAt) };
  if (nodeInfoProblem(candidate) !== undefined) return undefined;
  return pickNodeInfo(candidate as unknown as NodeInfo);
}
