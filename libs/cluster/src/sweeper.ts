import type { EndpointRegistry } from './endpoint-registry';
import { type Logger, noopLogger } from '@piko/observability';

export interface SweeperOptions {
  registry: EndpointRegistry;
  /** How often to sweep (default 5000 ms). Readers already ignore dead entries: this only frees them. */
  intervalMs?: number;
  logger?: Logger;
}

/**
 * Deletes the registry entries of nodes whose lease expired. Any number of nodes may run one:
 * each deletion re-checks the lease atomically.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly logger: Logger;
  sweptTotal = 0;

  constructor(private readonly options: SweeperOptions) {
    this.logger = (options.logger ?? noopLogger).child({ component: 'sweeper' });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweepOnce(), this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  /** One sweep now; concurrent calls share the sweep in flight. Never rejects: failures are logged. */
  sweepOnce(): Promise<number> {
    this.running ??= this.options.registry
      .sweep()
      .then((swept) => {
        this.sweptTotal += swept;
        if (swept > 0) this.logger.info('swept expired nodes', { swept });
        return swept;
      })
      .catch((err: Error) => {
        this.logger.warn('sweep failed; will retry', { err: err.message });
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
