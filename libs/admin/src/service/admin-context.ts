import type { ClusterRpc, EndpointRegistry } from '@piko/cluster';
import type { NodeHistory } from './node-history';
import type { RequestRatesPoller } from './request-rates';
import type { TokenBucket } from '@piko/inspect';

/** What the admin API's services share (one per admin app). */
export interface AdminContext {
  /** This admin node's ID (Go Piko's `/status/cluster/nodes/local`). */
  nodeId: string;
  registry: EndpointRegistry;
  rpc: ClusterRpc;
  history: NodeHistory;
  rates: RequestRatesPoller;
  /** Per-node answer timeout (ms; `admin.api.request_timeout`). */
  requestTimeoutMs: number;
  /** How long a proxy may take over a replay (ms; `proxy.inspect.replay_timeout`). */
  replayTimeoutMs: number;
  /** Replays this admin node may send on (`admin.api.replay_rate`, `admin.api.replay_burst`). */
  replayLimit: TokenBucket;
}

export const ADMIN_CONTEXT = Symbol('ADMIN_CONTEXT');
