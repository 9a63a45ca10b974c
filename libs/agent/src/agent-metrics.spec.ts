import { Registry } from 'prom-client';
import { AgentMetrics } from './agent-metrics';

describe('AgentMetrics', () => {
  it("exports Go Piko's agent metrics by endpoint, status and method", async () => {
    const registry = new Registry();
    const metrics = new AgentMetrics(registry);
    metrics.started('web');
    metrics.started('web');
    metrics.observe('web', { method: 'GET', status: 200, durationMs: 30, bytesIn: 100, bytesOut: 2000 });
    metrics.ended('web');
    const text = await registry.metrics();
    expect(text).toContain('piko_agent_requests_in_flight{endpoint="web"} 1');
    expect(text).toContain('piko_agent_requests_total{status="200",method="GET",endpoint="web"} 1');
    expect(text).toContain('piko_agent_request_latency_seconds_bucket{le="0.05",status="200",method="GET",endpoint="web"} 1');
    expect(text).toContain('piko_agent_request_size_bytes_sum{endpoint="web"} 100');
    expect(text).toContain('piko_agent_response_size_bytes_sum{endpoint="web"} 2000');
  });
});
