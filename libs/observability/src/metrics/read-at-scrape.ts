import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * A gauge whose value is read from `read()` when Prometheus scrapes, for state a component
 * already keeps (a pool's size, a queue's length): nothing to update on the data path.
 */
export function gaugeReadAtScrape(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/**
 * A counter (TYPE counter, so `rate()` applies) whose value is a running total a component keeps
 * as a plain number (`read()` must never decrease): one integer increment on the data path
 * instead of a prom-client call.
 */
export function counterReadAtScrape(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      // prom-client counters have no set(): start from zero and add the total.
      this.reset();
      this.inc(read());
    },
  });
}

/**
 * A counter with one label whose values are all known up front (a result, a close reason):
 * every series is exported at 0 from the start, so dashboards and `rate()` see it before its
 * first event, and each child is made once. Returns the increment: one call per event, no label
 * object built (prom-client hashes the labels on every update of a child it did not cache).
 */
export function knownLabelCounter<V extends string>(registry: Registry, name: string, help: string, label: string, values: readonly V[]): (value: V) => void {
  const counter = new Counter({ name, help, labelNames: [label], registers: [registry] });
  const children = new Map<V, { inc(): void }>();
  for (const value of values) {
    const child = counter.labels(value);
    child.inc(0);
    children.set(value, child);
  }
  return (value) => children.get(value)?.inc();
}
