import { gaugeReadAtScrape } from '@piko/observability';
import type { Registry } from 'prom-client';
import type { Inspector } from './inspector';

/**
 * Traffic inspection's gauges on the proxy's /metrics, read at scrape time (docs/metrics.md):
 * `piko_inspect_memory_bytes` (bounded by proxy.inspect.max_memory) and `piko_inspect_exchanges`.
 */
export function registerInspectMetrics(registry: Registry, inspector: Inspector): void {
  gaugeReadAtScrape(registry, 'piko_inspect_memory_bytes', 'Bytes held by traffic inspection captures, in flight included (at most proxy.inspect.max_memory).', () => inspector.store.used);
  gaugeReadAtScrape(registry, 'piko_inspect_exchanges', 'Exchanges held by traffic inspection, in flight included.', () => inspector.store.size);
}
