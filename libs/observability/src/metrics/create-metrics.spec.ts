import { Counter } from 'prom-client';
import { createMetrics } from './create-metrics';

describe('createMetrics', () => {
  it('renders registered metrics and Node process metrics as Prometheus text', async () => {
    const metrics = createMetrics({ defaultLabels: { service: 'proxy' } });
    const requests = new Counter({ name: 'piko_test_requests_total', help: 'Requests.', labelNames: ['status'], registers: [metrics.registry] });
    requests.inc({ status: '200' }, 3);
    const text = await metrics.render();
    expect(text).toContain('# TYPE piko_test_requests_total counter');
    expect(text).toContain('piko_test_requests_total{status="200",service="proxy"} 3');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_total_bytes');
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('gives each call its own registry, so the same metric can exist twice in one process', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    new Counter({ name: 'piko_dup_total', help: 'x', registers: [a.registry] }).inc();
    new Counter({ name: 'piko_dup_total', help: 'x', registers: [b.registry] });
    expect(await a.render()).toContain('piko_dup_total 1');
    expect(await b.render()).toContain('piko_dup_total 0');
    expect(await a.render()).not.toContain('process_cpu');
  });
});
