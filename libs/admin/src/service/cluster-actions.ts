import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { type CommandReply, RPC_VERBS, type UpstreamSessionInfo, type UpstreamsReply } from '@piko/cluster';
import type { ActionResponse, UpstreamListResponse, UpstreamView } from '../api';
import { ADMIN_CONTEXT, type AdminContext } from './admin-context';
import { ClusterReader } from './cluster-reader';
import { type FanoutResult, rpcFanout } from './rpc-fanout';

const AGENT_VERSION = /\bpiko-agent\/([^\s;()]+)/;

function upstreamView(node: string, info: UpstreamSessionInfo): UpstreamView {
  return {
    id: info.id,
    endpointId: info.endpointId,
    node,
    remoteAddr: info.remoteAddr,
    userAgent: info.userAgent,
    agentVersion: info.userAgent ? (AGENT_VERSION.exec(info.userAgent)?.[1] ?? null) : null,
    connectedAt: new Date(info.connectedAt).toISOString(),
    openStreams: info.openStreams,
    bytesIn: info.bytesIn,
    bytesOut: info.bytesOut,
    requests: info.requests,
    retiring: info.retiring,
  };
}

/**
 * What the admin API asks of gateways over ClusterRpc (libs/cluster/src/rpc-messages.ts): their
 * live upstream sessions, and the drain and disconnect commands. Every gateway asked is in the
 * answer: in `gateways` with what it did, or in `unreachable` with why it did not answer.
 */
@Injectable()
export class ClusterActions {
  constructor(
    @Inject(ADMIN_CONTEXT) private readonly context: AdminContext,
    private readonly reader: ClusterReader,
  ) {}

  /** @throws NotFoundException when `node` names no gateway. */
  async upstreams(filter: { endpoint?: string; node?: string }): Promise<UpstreamListResponse> {
    const gateways = await this.reader.gatewayIds();
    if (filter.node !== undefined && !gateways.includes(filter.node)) throw new NotFoundException(`no gateway ${filter.node}`);
    const asked = filter.node !== undefined ? [filter.node] : gateways;
    const { replies, unreachable } = await this.ask<UpstreamsReply>(asked, RPC_VERBS.upstreams, { endpointId: filter.endpoint });
    const upstreams: UpstreamView[] = [];
    for (const [node, reply] of replies) {
      if (!Array.isArray(reply?.upstreams)) {
        unreachable.push({ node, reason: 'malformed reply' });
        continue;
      }
      for (const info of reply.upstreams) upstreams.push(upstreamView(node, info));
    }
    upstreams.sort((a, b) => a.endpointId.localeCompare(b.endpointId) || a.node.localeCompare(b.node) || a.connectedAt.localeCompare(b.connectedAt));
    return { upstreams, unreachable };
  }

  /**
   * @throws NotFoundException for an unknown node, ConflictException for a node that is not a
   * gateway (proxies and admin nodes have no upstreams to move).
   */
  async drain(nodeId: string): Promise<ActionResponse> {
    const node = await this.reader.node(nodeId);
    if (!node || node.state === 'left') throw new NotFoundException(`no node ${nodeId}`);
    if (node.role !== 'gateway') throw new ConflictException(`${nodeId} is a ${node.role}: only gateways can be drained`);
    return this.command('drain', nodeId, [nodeId], RPC_VERBS.drain, {});
  }

  /** @throws NotFoundException when every gateway answered and none had the session. */
  async disconnectUpstream(id: string): Promise<ActionResponse> {
    const result = await this.command('disconnect-upstream', id, await this.reader.gatewayIds(), RPC_VERBS.disconnectUpstream, { id });
    if (result.unreachable.length === 0 && !result.gateways.some((g) => g.acted)) throw new NotFoundException(`no upstream ${id}`);
    return result;
  }

  /** @throws NotFoundException when every gateway answered and none had a session of the endpoint. */
  async disconnectEndpoint(endpointId: string): Promise<ActionResponse> {
    const result = await this.command('disconnect-endpoint', endpointId, await this.reader.gatewayIds(), RPC_VERBS.disconnectEndpoint, { endpointId });
    if (result.unreachable.length === 0 && !result.gateways.some((g) => g.acted)) throw new NotFoundException(`no upstream of endpoint ${endpointId}`);
    return result;
  }

  private async command(action: ActionResponse['action'], target: string, nodes: string[], verb: string, payload: unknown): Promise<ActionResponse> {
    const { replies, unreachable } = await this.ask<CommandReply>(nodes, verb, payload);
    const gateways = [...replies]
      .map(([node, reply]) => {
        const sessions = typeof reply?.sessions === 'number' ? reply.sessions : 0;
        // A drained gateway acted even with no session to move; others act when they had some.
        return { node, acted: action === 'drain' || sessions > 0, sessions };
      })
      .sort((a, b) => a.node.localeCompare(b.node));
    return { action, target, gateways, unreachable };
  }

  private ask<T>(nodes: string[], verb: string, payload: unknown): Promise<FanoutResult<T>> {
    return rpcFanout<T>(this.context.rpc, nodes, verb, payload, this.context.requestTimeoutMs);
  }
}
