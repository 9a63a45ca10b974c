import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { GO_DEFAULT_BUCKETS, GO_SIZE_BUCKETS } from '@piko/observability';

const SIZE_BUCKETS = [...GO_SIZE_BUCKETS];
const LATENCY_BUCKETS = [...GO_DEFAULT_BUCKETS];

/**
 * The HTTP listener metrics of Go Piko v0.9's agent (agent/reverseproxy/metrics.go, subsystem
 * "agent"), served on the agent server's /metrics: `piko_agent_requests_in_flight{endpoint}`,
 * `piko_agent_requests_total{status,method,endpoint}`,
 * `piko_agent_request_latency_seconds{status,method,endpoint}`,
 * `piko_agent_request_size_bytes{endpoint}` and `piko_agent_response_size_bytes{endpoint}`.
 * Sizes here are the bytes of the whole request and response, head included (Go observes the
 * request's Content-Length and the response body's size), since the agent splices bytes.
 */
export class AgentMetrics {
  private readonly inFlight: Gauge<'endpoint'>;
  private readonly total: Counter<'status' | 'method' | 'endpoint'>;
  private readonly latency: Histogram<'status' | 'method' | 'endpoint'>;
  private readonly requestSize: Histogram<'endpoint'>;
  private readonly responseSize: Histogram<'endpoint'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.inFlight = new Gauge({ name: 'piko_agent_requests_in_flight', help: 'Number of requests currently handled by this server.', labelNames: ['endpoint'], registers });
    this.total = new Counter({ name: 'piko_agent_requests_total', help: 'Total requests.', labelNames: ['status', 'method', 'endpoint'], registers });
    this.latency = new Histogram({
      name: 'piko_agent_request_latency_seconds',
      help: 'Request latency.',
      labelNames: ['status', 'method', 'endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.requestSize = new Histogram({ name: 'piko_agent_request_size_bytes', help: 'Request size', labelNames: ['endpoint'], buckets: SIZE_BUCKETS, registers });
    this.responseSize = new Histogram({ name: 'piko_agent_response_size_bytes', help: 'Response size', labelNames: ['endpoint'], buckets: SIZE_BUCKETS, registers });
  }

  /** A stream from Piko started; `ended` follows when it closes. */
  started(endpoint: string): void {
    this.inFlight.inc({ endpoint });
  }

  ended(endpoint: string): void {
    this.inFlight.dec({ endpoint });
  }

  /** One request carried by a stream; `status` is 0 when no response came. */
  observe(endpoint: string, request: { method: string; status: number; durationMs: number; bytesIn: number; bytesOut: number }): void {
    const labels = { status: String(request.status), method: request.method, endpoint };
    this.total.inc(labels);
    this.latency.observe(labels, request.durationMs / 1000);
    this.requestSize.observe({ endpoint }, request.bytesIn);
    this.responseSize.observe({ endpoint }, request.bytesOut);
  }
}
