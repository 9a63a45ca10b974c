import type { EndpointRegistry } from '@piko/cluster';
import type { RebalanceConfig } from '@piko/config';
import type { Logger } from '@piko/observability';
import { Counter, type Registry } from 'prom-client';
import { retireUpstreams } from '../retire-upstream';
import type { UpstreamConnection, UpstreamPool } from '../upstream-pool';

/** How long a moved upstream's old session may keep serving its in-flight streams. */
const RETIRE_GRACE_MS = 30_000;

/**
 * Go Piko v0.9's rebalancing (`upstream.rebalance`, server/upstream/server.go `Rebalance`): a
 * gateway whose upstream connections exceed the cluster average by at least `threshold` (a
 * fraction of the average) sheds up to `shed_rate` × the average per second (go-away, so they
 * reconnect through the load balancer and spread out), never when it has fewer than `min_conns`.
 * Unlike Go it never sheds below the average. Off when `threshold` is 0, as in Go. The counts
 * come from the registry, so a gateway started while traffic flows receives upstreams without
 * anyone restarting them. Checked every `check_interval` (Go: every second).
 */
export class Rebalancer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Told to move and not yet gone: not counted as ours, not picked again. */
  private readonly retiring = new WeakSet<UpstreamConnection>();
  private readonly shedTotal: Counter | undefined;

  /** With `metrics`, counts the upstreams told to move in `piko_upstreams_rebalanced_total`. */
  constructor(
    private readonly pool: UpstreamPool,
    private readonly registry: EndpointRegistry,
    private readonly nodeId: string,
    private readonly config: RebalanceConfig,
    private readonly logger: Logger,
    metrics?: Registry,
  ) {
    this.shedTotal =
      metrics &&
      new Counter({ name: 'piko_upstreams_rebalanced_total', help: 'Upstreams told to reconnect elsewhere (go-away) because this gateway had more than its share.', registers: [metrics] });
  }

  start(): void {
    if (this.config.threshold <= 0 || this.config.shedRate <= 0) return;
    this.timer = setInterval(() => void this.check(), this.config.checkInterval);
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
      if (local === 0 || local < this.config.minConns) return 0;
      const average = await this.clusterAverage();
      if (average === undefined || average === 0 || (local - average) / average < this.config.threshold) return 0;
      // Go: at most shed_rate of the cluster average per second, so every node sheds at the same pace.
      const perCheck = Math.ceil(average * this.config.shedRate * (this.config.checkInterval / 1000));
      const shed = Math.min(Math.floor(local - average), perCheck);
      if (shed <= 0) return 0;
      // The newest connections go first: they are the likeliest to be a reconnect storm's overflow.
      const victims = candidates.sort((a, b) => b.connectedAt.getTime() - a.connectedAt.getTime()).slice(0, shed);
      for (const victim of victims) this.retiring.add(victim);
      this.shedTotal?.inc(victims.length);
      this.logger.info('rebalancing upstreams', { local, average: Math.round(average * 10) / 10, shed: victims.length });
      void retireUpstreams(this.pool, victims, Date.now() + RETIRE_GRACE_MS);
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
