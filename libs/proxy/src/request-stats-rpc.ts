import { type ClusterRpc, RPC_VERBS, rpcSubject } from '@piko/cluster';
import type { EndpointRequestStats } from './endpoint-request-stats';

/**
 * Answers the admin API's `request-stats` requests for this node (RequestStatsReply). Returns
 * the function that stops answering.
 */
export function serveRequestStats(rpc: ClusterRpc, nodeId: string, stats: EndpointRequestStats): () => void {
  return rpc.serve(rpcSubject(nodeId, RPC_VERBS.requestStats), () => stats.snapshot());
}
