import type { Duplex } from 'stream';
import type { ConnectionOptions } from 'tls';
import type { Listener, Logger, Upstream } from '@piko/client';
import { AgentAccessLog, type AccessLogOptions } from './access-log';
import type { AgentMetrics } from './agent-metrics';
import { followListener, type ListenerStatus } from './agent-status';
import { spliceHttpStream, type HttpStreamSpliceOptions, type SplicedStream } from './http-stream-splice';
import { parseTargetUrl } from './target-url';
import { ConnectionLimit } from './connection-limit';
import { rawHttpResponse } from './raw-http-response';

const BUSY = rawHttpResponse(503, '{"error":"endpoint busy"}\n');

/** Answers a stream over the listener's connection limit without reaching the service. */
function answerBusy(stream: Duplex): void {
  stream.on('error', () => undefined); // the proxy may reset it before reading the answer
  stream.end(BUSY);
  // Read and drop the request so the stream's read side ends and it closes.
  stream.resume();
}

export interface HttpAgentListenerOptions {
  endpointId: string;
  /** The local service: a port, host:port or http(s) URL (a URL's path becomes a prefix). */
  addr: string;
  accessLog: AccessLogOptions;
  /** Milliseconds to wait for the service's first response byte after the last request byte; 0 = no limit. */
  timeoutMs: number;
  /** `max_request_line_bytes`: the longest request line (or request head line) the agent holds (bytes). */
  maxRequestLineBytes: number;
  /** `max_connections`: service connections at once before 503 "endpoint busy"; 0 = no limit. */
  maxConnections: number;
  logger: Logger;
  /** TCP keep-alive probe interval on each service connection, ms; 0 or absent = system default. */
  keepAliveMs?: number;
  /** `http_client.idle_conn_timeout`: a service connection idle between requests this long (ms) is closed; 0 = never. */
  idleConnTimeoutMs?: number;
  /** TLS options for an https:// service (CA, client certificate, rejectUnauthorized). */
  tls?: ConnectionOptions;
  /** Go's agent request metrics, when the agent server runs (`server.enabled`). */
  metrics?: AgentMetrics;
  /** This listener's line in the agent server's /status, when it runs. */
  status?: ListenerStatus;
}

/**
 * `piko agent http` for one endpoint: registers the endpoint with Piko and joins every stream
 * Piko opens to a connection to the configured service that lives as long as the stream (see
 * spliceHttpStream). HTTP is parsed once, by the proxy at the edge; here only its framing is read.
 */
export class HttpAgentListener {
  private readonly logger: Logger;
  private readonly splice: HttpStreamSpliceOptions;
  private listener: Listener | undefined;
  private readonly connections: ConnectionLimit;
  /** Streams being spliced, by the session they came on: the idle ones end once Piko stops using it. */
  private readonly spliced = new Map<SplicedStream, unknown>();
  private fail!: (err: Error) => void;
  /**
   * Settles with the error that stopped this listener for good on its own (its token refused on
   * a reconnect, say); never while it runs or after close().
   */
  readonly failed = new Promise<Error>((resolve) => (this.fail = resolve));

  constructor(
    private readonly options: HttpAgentListenerOptions,
    private readonly upstream: Upstream,
  ) {
    this.logger = options.logger.child({ endpointId: options.endpointId, protocol: 'http' });
    this.connections = new ConnectionLimit(options.maxConnections, this.logger);
    this.splice = {
      target: parseTargetUrl(options.addr),
      timeoutMs: options.timeoutMs,
      maxRequestLineBytes: options.maxRequestLineBytes,
      accessLog: new AgentAccessLog(options.accessLog, options.metrics && { registry: options.metrics, endpoint: options.endpointId }),
      logger: this.logger,
      keepAliveMs: options.keepAliveMs,
      idleConnTimeoutMs: options.idleConnTimeoutMs,
      tls: options.tls,
      inFlight: options.metrics && {
        started: () => options.metrics?.started(options.endpointId),
        ended: () => options.metrics?.ended(options.endpointId),
      },
    };
  }

  get endpointId(): string {
    return this.options.endpointId;
  }

  /** Connects to Piko; resolves once the endpoint is registered (see Upstream.listen). */
  async start(signal?: AbortSignal): Promise<void> {
    // Declared HTTP: Piko then never splices its raw TCP route onto this service (security.md).
    this.listener = await this.upstream.listen(this.options.endpointId, { signal, protocol: 'http' });
    if (this.options.status) followListener(this.listener, this.options.status);
    this.listener.on('connection', (stream: Duplex) => {
      if (!this.connections.admit(stream)) return answerBusy(stream);
      const splice = spliceHttpStream(stream, this.splice);
      this.spliced.set(splice, (stream as { session?: unknown }).session);
      stream.once('close', () => this.spliced.delete(splice));
    });
    // A session being retired (Piko moved the endpoint, or we are closing): streams kept open for
    // reuse on it would hold it until the proxy's idle timeout, so the idle ones end, and busy ones
    // after their response. Only once Piko has read our go-away ('draining'): before that the proxy
    // may be sending a request down an idle stream, and ending it would lose that request.
    this.listener.on('draining', (session: unknown) => this.drainStreams(session));
    this.listener.on('error', (err: Error) => {
      this.logger.error('listener failed', { err: err.message });
      this.fail(err);
    });
    this.logger.info('forwarding endpoint', { addr: this.options.addr });
  }

  /**
   * Graceful: Piko stops sending new streams, in-flight requests (and open WebSockets) run to
   * completion, then the connection to Piko closes. Streams the proxy keeps for reuse end now if
   * idle, or after their current response.
   */
  async close(): Promise<void> {
    await this.listener?.close();
  }

  private drainStreams(session: unknown): void {
    for (const [splice, on] of this.spliced) if (on === session) splice.drain();
  }

  /** Drops everything now. */
  shutdown(): void {
    this.listener?.shutdown();
  }
}
