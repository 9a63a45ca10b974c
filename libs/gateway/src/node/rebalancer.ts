import type { EndpointRegistry } from '@piko/cluster';
import type { ClusterConfig } from '@piko/config';
import type { Logger } from '@piko/observability';
import { retireUpstreams } from '../retire-upstream';
import type { UpstreamConnection, UpstreamPool } from '../upstream-pool';

/**
 * Go Piko's rebalancing: a gateway with more upstream connections than the cluster average by
 * more than `rebalancing_threshold` sheds `rebalancing_rate` of them per second (go-away, so they
 * reconnect through the load balancer and spread out), never dropping below the average, and
 * never when it has fewer than `rebalancing_min_conns`. The counts come from the registry, so a
 * gateway started while traffic flows receives upstreams without anyone restarting them.
 */
export class Rebalancer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Told to move and not yet gone: not counted as ours, not picked again. */
  private readonly retiring = new WeakSet<UpstreamConnection>();

  constructor(
    private readonly pool: UpstreamPool,
    private readonly registry: EndpointRegistry,
    private readonly nodeId: string,
    private readonly config: ClusterConfig,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.config.rebalancingThreshold <= 0 || this.config.rebalancingRate <= 0) return;
    this.timer = setInterval(() => void this.check(), this.config.rebalancingCheckInterval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One check; returns how many upstreams were told to move. */
  async check(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const candidates = this.pool.connections().filter((c) => !this.retiring.has(c));
      const local = candidates.length;
      if (local < this.config.rebalancingMinConns) return 0;
      const average = await this.clusterAverage();
      if (average === undefined || local <= average * (1 + this.config.rebalancingThreshold)) return 0;
      const perCheck = Math.ceil(local * this.config.rebalancingRate * (this.config.rebalancingCheckInterval / 1000));
      const shed = Math.min(Math.floor(local - average), perCheck);
      if (shed <= 0) return 0;
      // The newest connections go first: they are the likeliest to be a reconnect storm's overflow.
      const victims = candidates.sort((a, b) => b.connectedAt.getTime() - a.connectedAt.getTime()).slice(0, shed);
      for (const victim of victims) this.retiring.add(victim);
      this.logger.info('rebalancing upstreams', { local, average: Math.round(average * 10) / 10, shed: victims.length });
      void retireUpstreams(this.pool, victims, Date.now() + this.config.rebalancingCheckInterval * 6);
      return victims.length;
    } catch (err) {
      this.logger.warn('rebalance check failed', { err: (err as Error).message });
      return 0;
    } finally {
      this.running = false;
    }
  }

  /** Mean upstream connections per active gateway, from the registry (undefined when unknown). */
  private async clusterAverage(): Promise<number | undefined> {
    const snapshot = await this.registry.snapshot();
    const totals = new Map<string, number>();
    for (const [id, node] of snapshot.nodes) if (node.role === 'gateway' && node.state === 'active') totals.set(id, 0);
    if (!totals.has(this.nodeId) || totals.size < 2) return undefined;
    for (const owners of snapshot.endpoints.values()) {
      for (const [id, count] of owners) if (totals.has(id)) totals.set(id, (totals.get(id) ?? 0) + count);
    }
    let sum = 0;
    for (const total of totals.values()) sum += total;
    return sum / totals.size;
  }
}
