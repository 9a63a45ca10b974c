import type { Logger } from '@piko/client';
import { DEFAULT_REDACTED_QUERY_PARAMS } from '@piko/config';
import { createHeaderFilter, createQueryFilter, type HeaderLists, type LogLevel, type QueryLogging } from '@piko/observability';
import type { AgentMetrics } from './agent-metrics';

export interface AccessLogEntry {
  method: string;
  path: string;
  /** From the first response line; 0 when the stream closed before one arrived. */
  status: number;
  /** From stream open to stream close. */
  durationMs: number;
  /** Bytes received from Piko (the request, head included). */
  bytesIn: number;
  /** Bytes sent to Piko (the response, head included). */
  bytesOut: number;
  upgrade?: boolean;
  /** For an upgrade (101): why the spliced connection ended ('service closed', 'client closed', or an error). */
  closeReason?: string;
}

/** A listener's `access_log` (Go Piko's log.AccessLogConfig, plus `query`): see AgentAccessLog. */
export interface AccessLogOptions extends QueryLogging {
  disable: boolean;
  level: LogLevel;
  requestHeaders: HeaderLists;
  responseHeaders: HeaderLists;
  /**
   * The lowest level the process logs at all (`log.level`), or undefined when `log.subsystems`
   * may enable any level: a record below it is not built (its headers are not filtered), and the
   * heads' header fields are not collected when no record could be written.
   */
  processLevel?: LogLevel;
}

/** Go's defaults: every request at info, every header (credentials redacted here). */
export const DEFAULT_ACCESS_LOG: AccessLogOptions = {
  disable: false,
  level: 'info',
  requestHeaders: { allowList: [], blockList: [] },
  responseHeaders: { allowList: [], blockList: [] },
  query: 'strip',
  redactQueryParams: DEFAULT_REDACTED_QUERY_PARAMS,
};

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * One listener's access log, after Go Piko's pkg/middleware/logger.go (HTTP) and
 * agent/tcpproxy/server.go (TCP). HTTP: one record per stream at `level`, at warn at least for a
 * 5xx, none at all when disabled, with the request and response headers filtered by the lists
 * (credential headers always "[REDACTED]"). TCP: one record per connection at `level`, at debug
 * when disabled (as Go does).
 */
export class AgentAccessLog {
  private readonly requestHeaders: ReturnType<typeof createHeaderFilter>;
  private readonly responseHeaders: ReturnType<typeof createHeaderFilter>;
  /** What records show of a request-target (`access_log.query`: the query string stripped by default). */
  readonly path: (target: string | undefined) => string;

  /** `metrics`, when the agent server runs: each request is also counted there for `endpoint`. */
  constructor(
    readonly options: AccessLogOptions = DEFAULT_ACCESS_LOG,
    private readonly metrics?: { registry: AgentMetrics; endpoint: string },
  ) {
    this.requestHeaders = createHeaderFilter(options.requestHeaders, options);
    this.responseHeaders = createHeaderFilter(options.responseHeaders, options);
    this.path = createQueryFilter(options);
  }

  /**
   * Whether HTTP records may carry headers at all (so the splice keeps a copy of the heads): some
   * record, a 5xx's at least, would be written.
   */
  get wantsHeaders(): boolean {
    // 599: the highest level any record can have.
    return this.levelFor(599) !== undefined;
  }

  /** The level a record of this status is written at, or undefined when it would not be written. */
  levelFor(status: number): LogLevel | undefined {
    if (this.options.disable) return undefined;
    const level = status >= 500 && RANK[this.options.level] < RANK.warn ? 'warn' : this.options.level;
    const floor = this.options.processLevel;
    return floor !== undefined && RANK[level] < RANK[floor] ? undefined : level;
  }

  /** Logs one proxied HTTP stream. Header pairs are as read from the wire (see HeadTap). */
  request(logger: Logger, entry: AccessLogEntry, requestHeaders: Iterable<[string, string]> = [], responseHeaders: Iterable<[string, string]> = []): void {
    this.metrics?.registry.observe(this.metrics.endpoint, entry);
    const level = this.levelFor(entry.status);
    if (level === undefined) return;
    const fields: Record<string, unknown> = {
      ...entry,
      durationMs: Math.round(entry.durationMs * 1000) / 1000,
      requestHeaders: this.requestHeaders(requestHeaders),
      responseHeaders: this.responseHeaders(responseHeaders),
    };
    logger[level]('request', fields);
  }

  /** Logs one forwarded TCP connection. */
  connection(logger: Logger, fields: Record<string, unknown>): void {
    logger[this.options.disable ? 'debug' : this.options.level]('connection', fields);
  }
}
