import { InvalidEventError } from './errors';
import type { NodeInfo } from './node-info';
import { nodeInfoProblem, pickNodeInfo } from './node-info-codec';

/** A gateway's upstream count for an endpoint changed (0: it has none left). */
export interface EndpointEvent {
  type: 'endpoint';
  nodeId: string;
  /** Per publishing node, +1 per event of any type: a gap means a missed event. */
  seq: number;
  endpointId: string;
  count: number;
}

export interface NodeEvent {
  type: 'node';
  nodeId: string;
  seq: number;
  kind: 'join' | 'leave' | 'drain';
  node: NodeInfo;
}

export type ClusterEvent = EndpointEvent | NodeEvent;

const NODE_EVENT_KINDS = ['join', 'leave', 'drain'];

/**
 * Checks an event received from the bus, field by field (a hand-written schema: the shape is
 * small, and this runs on every message). Throws InvalidEventError naming the first problem.
 */
export function parseClusterEvent(value: unknown): ClusterEvent {
  if (typeof value !== 'object' || value === null) throw new InvalidEventError('not an object');
  const event = value as Record<string, unknown>;
  if (typeof event.nodeId !== 'string' || event.nodeId === '') throw new InvalidEventError('nodeId must be a non-empty string');
  if (!Number.isSafeInteger(event.seq) || (event.seq as number) < 1) throw new InvalidEventError('seq must be a positive integer');
  const seq = event.seq as number;
  if (event.type === 'endpoint') {
    if (typeof event.endpointId !== 'string' || event.endpointId === '') throw new InvalidEventError('endpointId must be a non-empty string');
    if (!Number.isSafeInteger(event.count) || (event.count as number) < 0) throw new InvalidEventError('count must be a non-negative integer');
    return { type: 'endpoint', nodeId: event.nodeId, seq, endpointId: event.endpointId, count: event.count as number };
  }
  if (event.type === 'node') {
    if (!NODE_EVENT_KINDS.includes(event.kind as string)) throw new InvalidEventError(`kind must be one of ${NODE_EVENT_KINDS.join(', ')}`);
    const problem = nodeInfoProblem(event.node);
    if (problem) throw new InvalidEventError(problem);
    const node = pickNodeInfo(event.node as NodeInfo);
    if (node.id !== event.nodeId) throw new InvalidEventError('node.id must equal nodeId');
    return { type: 'node', nodeId: event.nodeId, seq, kind: event.kind as NodeEvent['kind'], node };
  }
  throw new InvalidEventError('type must be "endpoint" or "node"');
}
