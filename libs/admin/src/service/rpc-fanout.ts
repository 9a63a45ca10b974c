import { type ClusterRpc, RpcError, rpcSubject } from '@piko/cluster';
import type { UnreachableNode } from '../api';

/** Every node's reply, and the nodes that gave none. */
export interface FanoutResult<T> {
  replies: Map<string, T>;
  unreachable: UnreachableNode[];
}

/**
 * Asks each node the same question over ClusterRpc, all at once, each with `timeoutMs`. A node
 * that times out, has no responder or answers with an error is listed in `unreachable` with the
 * reason, never dropped silently.
 */
export async function rpcFanout<T>(rpc: ClusterRpc, nodes: readonly string[], verb: string, payload: unknown, timeoutMs: number): Promise<FanoutResult<T>> {
  const replies = new Map<string, T>();
  const unreachable: UnreachableNode[] = [];
  await Promise.all(
    nodes.map(async (node) => {
      try {
        replies.set(node, (await rpc.request(rpcSubject(node, verb), payload, timeoutMs)) as T);
      } catch (err) {
        unreachable.push({ node, reason: err instanceof RpcError ? err.reason : (err as Error).message });
      }
    }),
  );
  unreachable.sort((a, b) => a.node.localeCompare(b.node));
  return { replies, unreachable };
}
