import { collectDefaultMetrics, Registry } from 'prom-client';

export interface MetricsOptions {
  /** Labels added to every metric, such as `{ service: 'proxy' }`. */
  defaultLabels?: Record<string, string>;
  /** Whether to collect Node's process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
}

export interface Metrics {
  /** This process's own registry: metrics are never registered on prom-client's global one. */
  readonly registry: Registry;
  /** The Content-Type of `render()`'s text. */
  readonly contentType: string;
  /** The Prometheus text exposition of every metric, for GET /metrics. */
  render(): Promise<string>;
}

/**
 * A registry per process (or per test). Separate registries let `piko server` run every role in
 * one process, and tests start many apps, without "metric already registered" clashes.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
