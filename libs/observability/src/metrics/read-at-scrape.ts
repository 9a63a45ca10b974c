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
 * The child of `counter` for one label value, exported at 0 from now on: a label set known up
 * front (a result, a close reason) is then on /metrics before its first event, so dashboards and
 * `rate()` see a series from the start. Keep the child: incrementing it costs no label hashing of ours.
 */
export function presetCounterChild<T extends string>(counter: Counter<T>, value: string): { inc(by?: number): void } {
  const child = counter.labels(value);
  child.inc(0);
  return child;
}
