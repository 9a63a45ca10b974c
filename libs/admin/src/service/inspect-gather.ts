import { ConflictException, Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { RpcError, rpcSubject } from '@piko/cluster';
import {
  DEFAULT_LIST_LIMIT,
  type ExchangeFilter,
  type ExchangeListResponse,
  type ExchangeRecord,
  type ExchangeSummary,
  INSPECT_RPC_VERBS,
  type InspectGetReply,
  type InspectListReply,
  type InspectReplayReply,
  type InspectStateReply,
  type InspectStateResponse,
  parseStatusFilter,
  type ReplayEdits,
  type ReplayResponse,
} from '@piko/inspect';
import type { ListRequestsQuery } from '../dto/inspect.dto';
import { TooManyRequestsException } from '../http/too-many-requests.exception';
import { ADMIN_CONTEXT, type AdminContext } from './admin-context';
import { encodeFeedCursor } from '../page/feed-cursor';
import { proxiesRequests } from './request-rates';
import { rpcFanout } from './rpc-fanout';

/**
 * Traffic inspection across the cluster (issue 11): asks every proxy (a node with a proxy port:
 * `piko proxy`, or `piko server`) for its captures over ClusterRpc (libs/inspect/src/inspect-rpc.ts)
 * within `admin.api.request_timeout`, and merges them; a proxy that did not answer is named in
 * `unreachable_nodes`. One exchange is asked of the proxy its ID names (`<node>.<seq>`).
 */
@Injectable()
export class InspectGather {
  constructor(@Inject(ADMIN_CONTEXT) private readonly context: AdminContext) {}

  /** The proxies of the cluster now (node IDs). */
  async proxies(): Promise<string[]> {
    const snapshot = await this.context.registry.snapshot();
    return [...snapshot.nodes.values()].filter(proxiesRequests).map((n) => n.id);
  }

  /** `GET /api/v1/endpoints/:id/requests`: newest first over every proxy. */
  async list(endpointId: string, query: ListRequestsQuery): Promise<ExchangeListResponse> {
    const filter = toFilter(query);
    const { replies, unreachable } = await rpcFanout<InspectListReply>(
      this.context.rpc,
      await this.proxies(),
      INSPECT_RPC_VERBS.list,
      { endpointId, filter },
      this.context.requestTimeoutMs,
    );
    const requests: ExchangeSummary[] = [];
    const unreachableNodes = unreachable.map((u) => u.node);
    const versions: Record<string, number> = {};
    for (const [node, reply] of replies) {
      if (!Array.isArray(reply?.requests)) unreachableNodes.push(node);
      else requests.push(...reply.requests);
      if (typeof reply?.version === 'number') versions[node] = reply.version;
    }
    requests.sort((a, b) => b.started_at.localeCompare(a.started_at) || b.id.localeCompare(a.id));
    return { requests: requests.slice(0, filter.limit), unreachable_nodes: unreachableNodes.sort(), cursor: encodeFeedCursor(versions) };
  }

  /**
   * `GET /api/v1/requests/:id`.
   * @throws NotFoundException (404 "request not found"), ServiceUnavailableException when its proxy does not answer
   */
  async get(id: string): Promise<ExchangeRecord> {
    const record = (await this.ask(id, INSPECT_RPC_VERBS.get, { id }, this.context.requestTimeoutMs)) as InspectGetReply;
    if (!record) throw new NotFoundException('request not found');
    return record;
  }

  /**
   * `POST /api/v1/requests/:id/replay`: the proxy that captured it sends it again.
   * Counted against admin.api.replay_rate before anything is asked, whatever the outcome.
   * @throws TooManyRequestsException (429), NotFoundException, ConflictException (409: body not captured in full), ServiceUnavailableException
   */
  async replay(id: string, edits: ReplayEdits): Promise<ReplayResponse> {
    const wait = this.context.replayLimit.take();
    if (wait > 0) throw new TooManyRequestsException('too many replays: admin.api.replay_rate exceeded', wait);
    const reply = (await this.ask(id, INSPECT_RPC_VERBS.replay, { id, edits }, this.context.replayTimeoutMs + this.context.requestTimeoutMs)) as InspectReplayReply;
    switch (reply?.outcome) {
      case 'replayed':
        return { original_id: id, replay: reply.replay };
      case 'not_found':
        throw new NotFoundException('request not found');
      case 'not_replayable':
        throw new ConflictException('request body was not captured in full');
      case 'rate_limited':
        throw new TooManyRequestsException('too many replays: proxy.inspect.replay_rate exceeded', reply.retryAfterMs);
      case 'failed':
        throw new ServiceUnavailableException(reply.error);
      default:
        throw new ServiceUnavailableException('malformed reply from the proxy');
    }
  }

  /**
   * `GET` (enabled undefined) or `PUT /api/v1/endpoints/:id/inspect` on every proxy. Enabled when
   * any proxy that answered captures the endpoint; `runtime` when any was switched at run time.
   */
  async state(endpointId: string, enabled?: boolean): Promise<InspectStateResponse & { unreachable_nodes: string[] }> {
    const payload = enabled === undefined ? { endpointId } : { endpointId, enabled };
    const { replies, unreachable } = await rpcFanout<InspectStateReply>(this.context.rpc, await this.proxies(), INSPECT_RPC_VERBS.state, payload, this.context.requestTimeoutMs);
    const states = [...replies.values()].filter((s) => typeof s?.enabled === 'boolean');
    if (enabled !== undefined && states.length === 0) throw new ServiceUnavailableException('no proxy answered');
    return {
      endpoint_id: endpointId,
      enabled: enabled ?? states.some((s) => s.enabled),
      source: enabled !== undefined || states.some((s) => s.source === 'runtime') ? 'runtime' : 'config',
      unreachable_nodes: unreachable.map((u) => u.node),
    };
  }

  private async ask(id: string, verb: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const node = id.slice(0, id.lastIndexOf('.'));
    try {
      return await this.context.rpc.request(rpcSubject(node, verb), payload, timeoutMs);
    } catch (err) {
      const reason = err instanceof RpcError ? err.reason : (err as Error).message;
      // No such proxy (never was, or gone with its captures): the request is not found.
      if (reason === 'no responder') throw new NotFoundException('request not found');
      throw new ServiceUnavailableException(`proxy ${node} did not answer: ${reason}`);
    }
  }
}

/** The query as the filter each proxy applies. */
export function toFilter(query: ListRequestsQuery): ExchangeFilter {
  const status = query.status !== undefined ? parseStatusFilter(query.status) : undefined;
  return {
    statusMin: status?.min,
    statusMax: status?.max,
    method: query.method?.toUpperCase(),
    pathPrefix: query.path_prefix,
    since: query.since !== undefined ? Date.parse(query.since) : undefined,
    until: query.until !== undefined ? Date.parse(query.until) : undefined,
    limit: query.limit ?? DEFAULT_LIST_LIMIT,
  };
}
