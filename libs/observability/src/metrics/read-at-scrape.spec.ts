import { Registry } from 'prom-client';
import { counterReadAtScrape, gaugeReadAtScrape, knownLabelCounter } from './read-at-scrape';

describe('read at scrape', () => {
  it('exports the current value of a gauge and of a running total as a counter', async () => {
    const registry = new Registry();
    let size = 4;
    let total = 10;
    gaugeReadAtScrape(registry, 'piko_t_size', 'Size.', () => size);
    counterReadAtScrape(registry, 'piko_t_things_total', 'Things.', () => total);
    expect(await registry.metrics()).toMatch(/# TYPE piko_t_things_total counter\npiko_t_things_total 10\n/);
    size = 1;
    total = 25;
    const text = await registry.metrics();
    expect(text).toMatch(/^piko_t_size 1$/m);
    expect(text).toMatch(/^piko_t_things_total 25$/m);
  });

  it('exports every known label value at 0 before its first event, then counts', async () => {
    const registry = new Registry();
    const count = knownLabelCounter(registry, 'piko_t_results_total', 'Results.', 'result', ['ok', 'failed'] as const);
    expect(await registry.metrics()).toMatch(/^piko_t_results_total\{result="ok"\} 0\npiko_t_results_total\{result="failed"\} 0$/m);
    count('failed');
    count('failed');
    expect(await registry.metrics()).toMatch(/^piko_t_results_total\{result="failed"\} 2$/m);
  });
});
