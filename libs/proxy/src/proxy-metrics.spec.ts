import { Registry } from 'prom-client';
import { approximateRequestSize, ProxyMetrics } from './proxy-metrics';

describe('ProxyMetrics', () => {
  it("exports Go Piko's proxy metric names, labels and buckets", async () => {
    const registry = new Registry();
    const metrics = new ProxyMetrics(registry);
    let inFlight = 3;
    metrics.readInFlightFrom(() => inFlight);
    metrics.observe({ method: 'GET', status: 200, durationMs: 20, requestBytes: 300, responseBytes: 5000 });
    metrics.observe({ method: 'GET', status: 200, durationMs: 2, requestBytes: 100, responseBytes: 100 });
    metrics.observe({ method: 'POST', status: 502, durationMs: 1, requestBytes: 70_000, responseBytes: 40 });
    inFlight = 2;

    const text = await registry.metrics();
    expect(text).toMatch(/^piko_proxy_requests_in_flight 2$/m);
    expect(text).toMatch(/^piko_proxy_requests_total\{status="200",method="GET"\} 2$/m);
    expect(text).toMatch(/^piko_proxy_requests_total\{status="502",method="POST"\} 1$/m);
    // prometheus.DefBuckets: 0.02 s falls in le="0.025" but not le="0.01".
    expect(text).toMatch(/^piko_proxy_request_latency_seconds_bucket\{le="0.01",status="200",method="GET"\} 1$/m);
    expect(text).toMatch(/^piko_proxy_request_latency_seconds_bucket\{le="0.025",status="200",method="GET"\} 2$/m);
    expect(text).toMatch(/^piko_proxy_request_latency_seconds_bucket\{le="10",status="200",method="GET"\} 2$/m);
    // ExponentialBuckets(256, 4, 8): 256 … 4194304.
    expect(text).toMatch(/^piko_proxy_request_size_bytes_bucket\{le="256"\} 1$/m);
    expect(text).toMatch(/^piko_proxy_request_size_bytes_bucket\{le="4194304"\} 3$/m);
    expect(text).toMatch(/^piko_proxy_request_size_bytes_sum 70400$/m);
    expect(text).toMatch(/^piko_proxy_response_size_bytes_sum 5140$/m);
    expect(text).not.toMatch(/endpoint=/);
  });

  it('keeps one labelled child per (method, status), however many requests', () => {
    const registry = new Registry();
    const metrics = new ProxyMetrics(registry);
    const labels = jest.spyOn(metrics.requestsTotal, 'labels');
    for (let i = 0; i < 100; i++) metrics.observe({ method: 'GET', status: 200, durationMs: 1, requestBytes: 1, responseBytes: 1 });
    metrics.observe({ method: 'GET', status: 404, durationMs: 1, requestBytes: 1, responseBytes: 1 });
    expect(labels).toHaveBeenCalledTimes(2);
  });
});

describe('approximateRequestSize', () => {
  it("adds target, method, protocol, header names and values and Content-Length, as Go's computeApproximateRequestSize", () => {
    const raw = ['Host', 'a.example', 'Content-Length', '10'];
    // '/x?y=1' 6 + 'POST' 4 + 'HTTP/1.1' 8 + 4+9+14+2 + body 10
    expect(approximateRequestSize('POST', '/x?y=1', '1.1', raw, '10')).toBe(6 + 4 + 8 + 29 + 10);
  });

  it('counts no body for a chunked request or a bad Content-Length', () => {
    expect(approximateRequestSize('GET', '/', '1.1', [], undefined)).toBe(1 + 3 + 8);
    expect(approximateRequestSize('GET', '/', '1.1', [], 'abc')).toBe(1 + 3 + 8);
  });
});
