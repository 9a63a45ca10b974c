import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { GO_DEFAULT_BUCKETS, GO_SIZE_BUCKETS, gaugeReadAtScrape } from '@piko/observability';

/** One request's figures, as the proxy hands them over when the request is over. */
export interface ProxiedRequest {
  method: string;
  /** The status the client was sent; 0 when no response began (client gone, connection cut). */
  status: number;
  durationMs: number;
  /** Go's approximate request size: URL, method, protocol, header names and values, Content-Length. */
  requestBytes: number;
  /** Bytes written to the client for the response (head and body). */
  responseBytes: number;
}

interface RequestChildren {
  total: { inc(): void };
  latency: { observe(value: number): void };
}

/**
 * The proxy's Prometheus metrics, with Go Piko v0.9's names, labels and buckets where they mean
 * the same (pkg/middleware/metrics.go with subsystem "proxy"):
 * `piko_proxy_requests_in_flight`, `piko_proxy_requests_total{status,method}`,
 * `piko_proxy_request_latency_seconds{status,method}` (prometheus.DefBuckets),
 * `piko_proxy_request_size_bytes` and `piko_proxy_response_size_bytes`
 * (ExponentialBuckets(256, 4, 8)); plus this build's `piko_proxy_upgrades_total` and
 * `piko_proxy_tcp_connections_total`.
 *
 * No endpoint label, as in Go: endpoint IDs are chosen by whoever registers them, so a label per
 * endpoint would let upstreams (or clients naming endpoints that do not exist) grow the series
 * without bound. Per-endpoint figures are the agent's (`piko_agent_*{endpoint}`) and the admin API's.
 *
 * Cheap on the data path: the labelled children of each (method, status) are made once and kept
 * (methods are bounded by Node's parser, statuses by 100–999); in-flight is read at scrape time.
 */
export class ProxyMetrics {
  readonly requestsInFlight: Gauge;
  readonly requestsTotal: Counter<'status' | 'method'>;
  readonly requestLatency: Histogram<'status' | 'method'>;
  readonly requestSize: Histogram;
  readonly responseSize: Histogram;
  readonly upgradesTotal: Counter;
  readonly tcpConnectionsTotal: Counter;
  private readonly children = new Map<string, Map<number, RequestChildren>>();
  private readonly requestSizeChild: { observe(value: number): void };
  private readonly responseSizeChild: { observe(value: number): void };
  private inFlight: () => number = () => 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requestsInFlight = gaugeReadAtScrape(registry, 'piko_proxy_requests_in_flight', 'Number of requests currently handled by this server.', () => this.inFlight());
    this.requestsTotal = new Counter({ name: 'piko_proxy_requests_total', help: 'Total requests.', labelNames: ['status', 'method'], registers });
    this.requestLatency = new Histogram({
      name: 'piko_proxy_request_latency_seconds',
      help: 'Request latency.',
      labelNames: ['status', 'method'],
      buckets: [...GO_DEFAULT_BUCKETS],
      registers,
    });
    this.requestSize = new Histogram({ name: 'piko_proxy_request_size_bytes', help: 'Request size', buckets: [...GO_SIZE_BUCKETS], registers });
    this.responseSize = new Histogram({ name: 'piko_proxy_response_size_bytes', help: 'Response size', buckets: [...GO_SIZE_BUCKETS], registers });
    this.requestSizeChild = this.requestSize.labels();
    this.responseSizeChild = this.responseSize.labels();
    this.upgradesTotal = new Counter({ name: 'piko_proxy_upgrades_total', help: 'Upgrade (WebSocket) connections passed through to upstreams.', registers });
    this.tcpConnectionsTotal = new Counter({
      name: 'piko_proxy_tcp_connections_total',
      help: 'Raw TCP connections (/_piko/v1/tcp/:endpointId) carried to upstreams.',
      registers,
    });
  }

  /** Where `piko_proxy_requests_in_flight` reads its value at scrape time (the proxy's own count). */
  readInFlightFrom(read: () => number): void {
    this.inFlight = read;
  }

  /** Records one finished HTTP request (Go's middleware records after the handler returns). */
  observe(request: ProxiedRequest): void {
    const children = this.childrenOf(request.method, request.status);
    children.total.inc();
    // Go: float64(time.Since(start).Milliseconds()) / 1000; sub-millisecond precision kept here.
    children.latency.observe(request.durationMs / 1000);
    this.requestSizeChild.observe(request.requestBytes);
    this.responseSizeChild.observe(request.responseBytes);
  }

  private childrenOf(method: string, status: number): RequestChildren {
    let byStatus = this.children.get(method);
    if (!byStatus) {
      byStatus = new Map();
      this.children.set(method, byStatus);
    }
    let children = byStatus.get(status);
    if (!children) {
      const labels = { status: String(status), method };
      children = { total: this.requestsTotal.labels(labels), latency: this.requestLatency.labels(labels) };
      byStatus.set(status, children);
    }
    return children;
  }
}

/**
 * Go Piko's computeApproximateRequestSize (pkg/middleware/metrics.go): the request target, method,
 * protocol, every header name and value, and the Content-Length when there is one (a chunked
 * body counts 0, as in Go). Bytes of UTF-16 length, which equals the wire bytes for the latin1
 * strings Node's parser hands over.
 */
export function approximateRequestSize(method: string, url: string, httpVersion: string, rawHeaders: readonly string[], contentLength: string | undefined): number {
  let size = url.length + method.length + 5 + httpVersion.length; // "HTTP/" + "1.1"
  for (let i = 0; i < rawHeaders.length; i++) size += rawHeaders[i].length;
  if (contentLength !== undefined) {
    const length = Number(contentLength);
    if (Number.isSafeInteger(length) && length > 0) size += length;
  }
  return size;
}
