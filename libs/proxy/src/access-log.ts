import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHeaderFilter, createQueryFilter, type HeaderLists, type LogFields, type Logger, type LogLevel, type QueryLogging, stripQuery } from '@piko/observability';

/**
 * `proxy.access_log` in the proxy's own terms (Go Piko's log.AccessLogConfig), with `query` and
 * `redactQueryParams` (see createQueryFilter: the query string stripped by default).
 */
export interface AccessLogOptions extends QueryLogging {
  /** `disable`: no access log record at all. */
  disable: boolean;
  /** `level`: the level of each record; responses with a 5xx status are logged at warn at least. */
  level: LogLevel;
  requestHeaders: HeaderLists;
  responseHeaders: HeaderLists;
  /**
   * The lowest level the process logs at all (`log.level`), or undefined when `log.subsystems`
   * may enable any level: records below it are not even built, which keeps the request path
   * cheap when access logs are at debug.
   */
  processLevel?: LogLevel;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The proxy's access log, after Go Piko's pkg/middleware/logger.go: one record per request when
 * it is over (method, host, path (its query string stripped, redacted or kept: `query`), status,
 * duration, filtered request and response headers), at `level`, at warn at least for a 5xx; nothing when disabled. Paths
 * under /_piko are Piko's own and not logged, as in Go. Credential headers are always logged as
 * "[REDACTED]" (see createHeaderFilter).
 */
export class ProxyAccessLog {
  private readonly requestHeaders: ReturnType<typeof createHeaderFilter>;
  private readonly responseHeaders: ReturnType<typeof createHeaderFilter>;
  /** What records show of a request-target (`proxy.access_log.query`). */
  readonly target: (target: string | undefined) => string;

  constructor(
    private readonly options: AccessLogOptions,
    private readonly logger: Logger,
  ) {
    this.requestHeaders = createHeaderFilter(options.requestHeaders, options);
    this.responseHeaders = createHeaderFilter(options.responseHeaders, options);
    this.target = createQueryFilter(options);
  }

  /** The level a record of this status is written at, or undefined when it would not be written. */
  levelFor(status: number): LogLevel | undefined {
    if (this.options.disable) return undefined;
    const level = status >= 500 && RANK[this.options.level] < RANK.warn ? 'warn' : this.options.level;
    const floor = this.options.processLevel;
    return floor !== undefined && RANK[level] < RANK[floor] ? undefined : level;
  }

  /**
   * Whether a record of any status may be written, so that noteResponseHeaders is worth calling
   * (599: the highest level any record can have).
   */
  get recordsResponses(): boolean {
    return this.levelFor(599) !== undefined;
  }

  /**
   * Notes the raw header list the forwarder gives writeHead(status, message, rawHeaders) for the
   * response's record: Node does not keep such a list where getHeaders() finds it. Called by the
   * forwarder before writeHead, and only when recordsResponses (replacing a writeHead wrapper
   * installed on every response, a closure and an own property per request).
   */
  noteResponseHeaders(res: ServerResponse, rawHeaders: readonly unknown[]): void {
    (res as NotedResponse)[NOTED] = rawHeaders;
  }

  /** Writes the record of one finished request. */
  request(req: IncomingMessage, res: ServerResponse, durationMs: number): void {
    if (stripQuery(req.url).startsWith('/_piko/')) return;
    // Only a status the client was sent: a response that never began logs 0, not Node's default 200.
    const status = res.headersSent ? res.statusCode : 0;
    const level = this.levelFor(status);
    if (level === undefined) return;
    this.logger[level]('request', {
      proto: `HTTP/${req.httpVersion}`,
      method: req.method,
      host: req.headers.host,
      path: this.target(req.url),
      status,
      durationMs: Math.round(durationMs * 100) / 100,
      complete: res.writableFinished,
      requestHeaders: this.requestHeaders(pairs(req.rawHeaders)),
      responseHeaders: this.responseHeaders(responseHeaderPairs(res)),
    });
  }

  /** Writes any other access record (an upgrade, a TCP connection) with the same level rules. */
  write(msg: string, status: number, fields: LogFields): void {
    const level = this.levelFor(status);
    if (level !== undefined) this.logger[level](msg, fields);
  }
}

function* pairs(raw: readonly string[]): Iterable<[string, string]> {
  for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i], raw[i + 1]];
}

// The raw header list each response's writeHead was given (see ProxyAccessLog.noteResponseHeaders).
// A property on the response rather than a WeakMap entry: a WeakMap insert per request showed as
// 0.6 % of the proxy's CPU at c=50 (profile), a property store costs next to nothing.
const NOTED = Symbol('responseHeadersNoted');
type NotedResponse = ServerResponse & { [NOTED]?: readonly unknown[] };

/** The response's headers: as noted from writeHead's raw list (flat or [name, value] pairs), else getHeaders(). */
function* responseHeaderPairs(res: ServerResponse): Iterable<[string, string | number | string[]]> {
  const raw = (res as NotedResponse)[NOTED];
  if (!raw) {
    yield* Object.entries(res.getHeaders()) as [string, string | number | string[]][];
    return;
  }
  if (raw.every((item) => Array.isArray(item))) {
    for (const [name, value] of raw as [string, string][]) yield [name, value];
    return;
  }
  yield* pairs(raw.map(String));
}
