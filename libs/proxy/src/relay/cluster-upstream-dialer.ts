import type { Duplex } from 'node:stream';
import { EndpointBusyError, RelayStatus, TcpToHttpEndpointError } from '@piko/protocol';
import type { Logger } from '@piko/observability';
import type { DialOptions, UpstreamDialer } from '../upstream-dialer';
import type { ClusterDialMetrics } from './cluster-dial-metrics';
import type { RelayDialResult, RelayOpenOptions } from './relay-client';
import { pickWeighted } from './weighted-pick';

/** A gateway that has upstreams for an endpoint, as the proxy's routing table knows it. */
export interface GatewayRoute {
  readonly nodeId: string;
  readonly relayAddr: string;
  /** Upstreams of the endpoint connected to that gateway: the weight of the choice. */
  readonly count: number;
}

/** The routing table, structurally (libs/cluster's RoutingTable has this method). */
export interface RouteSource {
  routes(endpointId: string): ReadonlyArray<GatewayRoute>;
}

/** The relay client, structurally (RelayClient has this method). */
export interface RelayOpener {
  open(relayAddr: string, endpointId: string, options?: RelayOpenOptions): Promise<RelayDialResult>;
}

const REFUSAL_REASON: Partial<Record<RelayStatus, string>> = {
  [RelayStatus.NoUpstream]: 'no upstream',
  [RelayStatus.Draining]: 'draining',
  [RelayStatus.HttpOnly]: 'raw tcp to an http endpoint',
  [RelayStatus.Busy]: 'busy',
};

/**
 * The proxy's UpstreamDialer in a cluster: picks a gateway that owns an upstream for the endpoint,
 * at random weighted by its upstream count, and opens a relay stream there. A gateway that
 * refuses (its route was stale, or it is draining) or cannot be reached is left out and the next
 * one is tried, until none is left (undefined: the proxy answers 502 "no available upstreams"; or
 * EndpointBusyError when a gateway said BUSY: 503 "endpoint busy").
 * Retrying is safe because a gateway answers before any byte of the request leaves the proxy.
 * A raw TCP stream (`options.rawTcp`) refused by a gateway as HTTP_ONLY is tried elsewhere too
 * (another gateway may hold a TCP upstream of the endpoint); when none accepted and one said
 * HTTP_ONLY, dial rejects with TcpToHttpEndpointError (the proxy answers 403).
 */
export class ClusterUpstreamDialer implements UpstreamDialer {
  constructor(
    private readonly source: RouteSource,
    private readonly relay: RelayOpener,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
    private readonly metrics?: ClusterDialMetrics,
  ) {}

  async dial(endpointId: string, options: DialOptions = {}): Promise<Duplex | undefined> {
    let candidates = this.source.routes(endpointId);
    let httpOnly = false;
    let busy = false;
    while (candidates.length > 0) {
      const index = candidates.length === 1 ? 0 : pickWeighted(candidates, this.random);
      const route = candidates[index];
      try {
        const result = await this.relay.open(route.relayAddr, endpointId, options.rawTcp ? { rawTcp: true } : {});
        if (result.status === RelayStatus.Accepted) {
          this.metrics?.sentTo(route.nodeId);
          return result.stream;
        }
        if (result.status === RelayStatus.HttpOnly) httpOnly = true;
        if (result.status === RelayStatus.Busy) busy = true;
        this.logger.info('gateway refused relay stream', {
          endpointId,
          nodeId: route.nodeId,
          relayAddr: route.relayAddr,
          reason: REFUSAL_REASON[result.status],
        });
      } catch (err) {
        this.logger.debug('relay dial failed', {
          endpointId,
          nodeId: route.nodeId,
          relayAddr: route.relayAddr,
          err: (err as Error).message,
        });
      }
      candidates = candidates.filter((_, i) => i !== index);
      if (candidates.length > 0) {
        this.metrics?.retriesTotal.inc();
        this.logger.debug('retrying relay on another gateway', { endpointId, remaining: candidates.length });
      }
    }
    if (httpOnly) throw new TcpToHttpEndpointError(endpointId);
    if (busy) throw new EndpointBusyError(endpointId);
    return undefined;
  }
}
