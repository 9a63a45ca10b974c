import type { Duplex } from 'node:stream';
import { EndpointBusyError, RelayStatus, TcpToHttpEndpointError } from '@piko/protocol';
import type { Logger } from '@piko/observability';
import type { DialOptions, UpstreamChoice, UpstreamDialer } from '../upstream-dialer';
import { SINGLE_REQUEST } from '../upstream-stream-agent';
import type { ClusterDialMetrics } from './cluster-dial-metrics';
import { RecentlyServed } from './recently-served';
import type { RelayDialResult, RelayOpenOptions } from './relay-client';
import { RouteWaiter, routeSignature, type RouteUpdates } from './route-waiter';
import { pickWeighted } from './weighted-pick';

/** A gateway that has upstreams for an endpoint, as the proxy's routing table knows it. */
export interface GatewayRoute {
  readonly nodeId: string;
  readonly relayAddr: string;
  /** Upstreams of the endpoint connected to that gateway: the weight of the choice. */
  readonly count: number;
}

/** The routing table, structurally (libs/cluster's RoutingTable has this method and its `update` event). */
export interface RouteSource {
  routes(endpointId: string): ReadonlyArray<GatewayRoute>;
  on?: RouteUpdates['on'];
  off?: RouteUpdates['off'];
}

export interface ClusterDialOptions {
  /**
   * `proxy.reroute_timeout`, ms: how long after an endpoint was last reached a request may wait
   * for it to reappear in the routing table when no gateway takes it (its upstream is moving to
   * another gateway); 0 answers at once. Needs a source with `update` events.
   */
  rerouteTimeoutMs?: number;
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
 *
 * An upstream moving between gateways (a gateway draining or rebalancing sends it go-away; it
 * reconnects through the load balancer) is briefly on neither as far as this proxy knows: the old
 * gateway refuses before the new one's announcement arrives, or its route is gone first. A
 * request in that gap waits for the routing table to change and is sent as soon as it does,
 * until `rerouteTimeoutMs` after the endpoint was last reached (RecentlyServed); an endpoint
 * never reached, or gone for longer, is answered at once.
 * A raw TCP stream (`options.rawTcp`) refused by a gateway as HTTP_ONLY is tried elsewhere too
 * (another gateway may hold a TCP upstream of the endpoint); when none accepted and one said
 * HTTP_ONLY, dial rejects with TcpToHttpEndpointError (the proxy answers 403).
 */
export class ClusterUpstreamDialer implements UpstreamDialer {
  private readonly recentlyServed: RecentlyServed;
  private readonly waiter: RouteWaiter | undefined;

  constructor(
    private readonly source: RouteSource,
    private readonly relay: RelayOpener,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
    private readonly metrics?: ClusterDialMetrics,
    options: ClusterDialOptions = {},
  ) {
    const { on, off } = source;
    const rerouteTimeoutMs = on && off ? (options.rerouteTimeoutMs ?? 0) : 0;
    this.recentlyServed = new RecentlyServed(rerouteTimeoutMs);
    this.waiter = rerouteTimeoutMs > 0 ? new RouteWaiter(source as RouteUpdates) : undefined;
  }

  /**
   * The gateway one HTTP request goes to (weighted by its upstream count, as dial picks), keyed by
   * its node ID and the endpoint (a relay stream carries one endpoint). `open` tries that gateway
   * first, then the others as dial does, from the routes looked up here (one routing-table lookup
   * and one weighted pick per request, not a second in dial). With no route but a reroute wait
   * possible, `open` is dial (it waits for the route), on a stream of its own.
   *
   * The relay streams `open` opens are kept for reuse (KEEP_ALIVE): a gateway that answers
   * ACCEPTED_KEEP_ALIVE routes each request on such a stream to an upstream on its own, and ends
   * it between exchanges when it has none left for the endpoint (see KeptRelayStream in the
   * gateway), so an upstream moving away never strands a kept stream. A gateway from before
   * answers ACCEPTED and splices the stream onto one upstream stream: that stream carries one
   * request (SINGLE_REQUEST), as it did before.
   *
   * A kept stream the gateway ends as the proxy sends a request down it (the endpoint's last
   * upstream there went away between the two) carries that request nowhere: the gateway
   * forwards no byte of a request after its FIN. HttpForwarder sends such a request again on a
   * fresh pick when it can be (idempotent, no body); so only those go on kept relay streams
   * (`reuseRetryableOnly`), and any other request gets a new relay stream, which a gateway
   * does not end before its first request while the upstream stream it was bound to lives.
   */
  choose(endpointId: string): UpstreamChoice | undefined {
    const routes = this.source.routes(endpointId);
    if (routes.length === 0) return this.waiter ? { key: `reroute:${endpointId}`, open: () => this.dial(endpointId), reusable: false } : undefined;
    const route = routes.length === 1 ? routes[0] : routes[pickWeighted(routes, this.random)];
    // Counted per request here (a kept relay stream carries many), as UpstreamPool.pick counts.
    this.metrics?.sentTo(route.nodeId);
    return { key: `${route.nodeId}\n${endpointId}`, open: () => this.dialFrom(endpointId, {}, routes, route, true), reuseRetryableOnly: true };
  }

  dial(endpointId: string, options: DialOptions = {}): Promise<Duplex | undefined> {
    return this.dialFrom(endpointId, options, this.source.routes(endpointId));
  }

  /**
   * dial, starting from `routes` (the routing table's answer already in hand) and trying `first`
   * first when it is among them; later passes (after a reroute wait) look the routes up again.
   * `keepAlive`: asks for a kept relay stream (see choose).
   */
  private async dialFrom(
    endpointId: string,
    options: DialOptions,
    routes: ReadonlyArray<GatewayRoute>,
    first?: GatewayRoute,
    keepAlive = false,
  ): Promise<Duplex | undefined> {
    // The gateway the stream will be pooled under (choose's key): one from another gateway may
    // carry this request but must not be kept under that key (see dialRoutes).
    const keptFor = keepAlive ? first?.nodeId : undefined;
    for (;;) {
      const stream = await this.dialRoutes(endpointId, routes, options, first, keepAlive, keptFor);
      first = undefined;
      if (stream) {
        this.recentlyServed.served(endpointId);
        return stream;
      }
      const deadline = this.waiter ? this.recentlyServed.waitDeadline(endpointId) : 0;
      if (deadline <= Date.now()) return undefined;
      // If the table changed while we dialled, try the new routes at once; else wait for a change.
      const waitedAt = performance.now();
      if (!(await (this.waiter as RouteWaiter).changed(endpointId, routeSignature(routes), deadline))) {
        this.metrics?.reroute('timeout', performance.now() - waitedAt);
        this.logger.info('no gateway took the endpoint within reroute_timeout', { endpointId });
        return undefined;
      }
      this.metrics?.reroute('changed', performance.now() - waitedAt);
      routes = this.source.routes(endpointId);
      this.logger.debug('routes changed; dialling again', { endpointId, gateways: routes.length });
    }
  }

  /**
   * A kept relay stream carries many requests after the one it was opened for: the endpoint was
   * reached each time a response comes back on it, not only when a stream was accepted, and the
   * reroute wait (RecentlyServed) must know (else a move 5 s after the last new stream is answered
   * 502 at once instead of waiting for the new route). At most once a second per stream.
   */
  private recordServedOn(stream: Duplex, endpointId: string): void {
    let last = Date.now();
    // Listens alongside Node's HTTP client, which reads the stream from the request it sends on.
    stream.on('data', () => {
      const now = Date.now();
      if (now - last < 1_000) return;
      last = now;
      this.recentlyServed.served(endpointId);
    });
  }

  /** One pass over `routes`: the stream of the first gateway that accepts, or undefined. */
  private async dialRoutes(
    endpointId: string,
    routes: ReadonlyArray<GatewayRoute>,
    options: DialOptions,
    first: GatewayRoute | undefined,
    keepAlive: boolean,
    keptFor: string | undefined,
  ): Promise<Duplex | undefined> {
    let candidates = routes;
    let httpOnly = false;
    let busy = false;
    while (candidates.length > 0) {
      const preferred = first ? candidates.findIndex((c) => c.nodeId === first?.nodeId) : -1;
      first = undefined;
      const index = preferred >= 0 ? preferred : candidates.length === 1 ? 0 : pickWeighted(candidates, this.random);
      const route = candidates[index];
      try {
        const result = await this.relay.open(route.relayAddr, endpointId, options.rawTcp ? { rawTcp: true } : keepAlive ? { keepAlive } : {});
        if (result.status === RelayStatus.Accepted) {
          // A kept stream's requests are counted per pick (choose); a stream of its own here.
          if (!keepAlive) this.metrics?.sentTo(route.nodeId);
          // Only a stream the gateway serves as a kept relay stream may carry a second request;
          // any other (an older gateway's splice, or a stream opened by dial, as a retry while
          // the route moves does through the pool) is bound to one upstream stream. Nor may one
          // from a gateway other than the one chosen: the pool would keep it under the chosen
          // gateway's key, and every later pick of that gateway would reuse it, so that one
          // BUSY or refusal from a gateway (say, while its upstream was at its stream limit)
          // sent all its share of the traffic to another for as long as the stream lived.
          if (!result.keepAlive || (keptFor !== undefined && route.nodeId !== keptFor)) {
            (result.stream as Duplex & { [SINGLE_REQUEST]?: true })[SINGLE_REQUEST] = true;
          } else this.recordServedOn(result.stream, endpointId);
          return result.stream;
        }
        if (result.status === RelayStatus.HttpOnly) httpOnly = true;
        if (result.status === RelayStatus.Busy) busy = true;
        // BUSY at debug: a gateway at its stream limit answers it to every request while the
        // limit holds, so a line each would flood; the proxy's rate-limited "endpoint busy"
        // warning says it when no gateway accepts (and gateways rate-limit their own).
        this.logger[result.status === RelayStatus.Busy ? 'debug' : 'info']('gateway refused relay stream', {
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
