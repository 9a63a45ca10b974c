import { type ClusterRpc, type CommandReply, RPC_VERBS, rpcSubject, type UpstreamSessionInfo, type UpstreamsReply } from '@piko/cluster';
import type { Logger } from '@piko/observability';
import { retireUpstreams } from '../retire-upstream';
import type { UpstreamConnection, UpstreamPool } from '../upstream-pool';

/** What a drain stops, in this order (the start of a SIGTERM shutdown, without exiting). */
export interface DrainHooks {
  /** /ready 503: load balancers (a Kubernetes Service) stop sending agents here. */
  readiness: { markShuttingDown(): void };
  /** Upstream rebalancing, which would otherwise keep moving agents about. */
  stopRebalancing(): void;
  /** The upstream port answers new upstreams 503. */
  stopAccepting(): void;
  /** Marked draining in the registry and announced on the bus. */
  registration: { drain(): Promise<void> };
}

export interface GatewayRpcOptions {
  nodeId: string;
  pool: UpstreamPool;
  rpc: ClusterRpc;
  /** How long a disconnected session may finish its in-flight streams before it is closed (ms; `grace_period`). */
  retireGraceMs: number;
  /** How to drain this node (the sessions are then told go-away here). */
  drain: DrainHooks;
  logger: Logger;
}

/**
 * The gateway's side of the admin API (`libs/cluster/src/rpc-messages.ts`): lists its upstream
 * sessions, and on command tells sessions go-away (one, an endpoint's, or all with a drain). A
 * command is acknowledged once the go-aways are sent; the sessions then close as their agents
 * reconnect, or after `retireGraceMs`.
 */
export class GatewayRpc {
  private readonly stops: Array<() => void> = [];

  constructor(private readonly options: GatewayRpcOptions) {}

  start(): void {
    const { rpc, nodeId } = this.options;
    this.stops.push(
      rpc.serve(rpcSubject(nodeId, RPC_VERBS.upstreams), (payload) => this.upstreams(optionalString(payload, 'endpointId'))),
      rpc.serve(rpcSubject(nodeId, RPC_VERBS.disconnectUpstream), (payload) => {
        const id = requiredString(payload, 'id');
        return this.retire('disconnect upstream', (c) => c.id === id);
      }),
      rpc.serve(rpcSubject(nodeId, RPC_VERBS.disconnectEndpoint), (payload) => {
        const endpointId = requiredString(payload, 'endpointId');
        return this.retire('disconnect endpoint', (c) => c.endpointId === endpointId);
      }),
      rpc.serve(rpcSubject(nodeId, RPC_VERBS.drain), async () => {
        await this.drain();
        return this.retire('drain', () => true);
      }),
    );
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  /** POST /api/v1/nodes/:id/drain: as the start of a SIGTERM shutdown, without exiting. */
  private async drain(): Promise<void> {
    const { drain, logger } = this.options;
    logger.info('drained by the admin API: not ready, no new upstreams');
    drain.readiness.markShuttingDown();
    drain.stopRebalancing();
    drain.stopAccepting();
    await drain.registration.drain();
  }

  private upstreams(endpointId: string | undefined): UpstreamsReply {
    const { pool } = this.options;
    const upstreams = pool
      .connections()
      .filter((c) => endpointId === undefined || c.endpointId === endpointId)
      .map((c): UpstreamSessionInfo => ({
        id: c.id,
        endpointId: c.endpointId,
        remoteAddr: c.remoteAddr,
        userAgent: c.userAgent ?? null,
        connectedAt: c.connectedAt.getTime(),
        openStreams: c.session.numStreams,
        bytesIn: c.transport?.bytesRead ?? 0,
        bytesOut: c.transport?.bytesWritten ?? 0,
        requests: c.requestsSent ?? 0,
        retiring: pool.isRetiring(c) || c.session.remoteGoAway,
      }));
    return { upstreams };
  }

  private retire(action: string, match: (connection: UpstreamConnection) => boolean): CommandReply {
    const { pool, retireGraceMs, logger } = this.options;
    const victims = pool.connections().filter((c) => !c.session.isClosed && match(c));
    if (victims.length > 0) {
      logger.info(`${action}: go-away to upstreams`, { sessions: victims.length, ids: victims.map((c) => c.id) });
      void retireUpstreams(pool, victims, Date.now() + retireGraceMs);
    }
    return { sessions: victims.length };
  }
}

function field(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
}

function optionalString(payload: unknown, name: string): string | undefined {
  const value = field(payload, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`${name} must be a string`);
  return value;
}

function requiredString(payload: unknown, name: string): string {
  const value = optionalString(payload, name);
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}
