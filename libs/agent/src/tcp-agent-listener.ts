import type { Duplex } from 'stream';
import { forwardConnection, parseHostPort, type Listener, type Logger, type Upstream } from '@piko/client';
import { AgentAccessLog, type AccessLogOptions } from './access-log';
import { followListener, type ListenerStatus } from './agent-status';
import { parseTargetUrl, targetHost, targetPort } from './target-url';
import { ConnectionLimit } from './connection-limit';

export interface TcpAgentListenerOptions {
  endpointId: string;
  /** The local service: a port or host:port (a URL's host and port are used as well). */
  addr: string;
  /** Go's TCP access log: each connection at `level`, or at debug when `disable` is set. */
  accessLog: AccessLogOptions;
  /** `max_connections`: service connections at once; more streams are closed at once. 0 = no limit. */
  maxConnections: number;
  logger: Logger;
  /** This listener's line in the agent server's /status, when it runs. */
  status?: ListenerStatus;
}

/** `piko agent tcp` for one endpoint: every stream from Piko becomes a TCP connection to `addr`. */
export class TcpAgentListener {
  private readonly logger: Logger;
  private readonly target: { host: string; port: number };
  private readonly accessLog: AgentAccessLog;
  private listener: Listener | undefined;
  private readonly connections: ConnectionLimit;
  private fail!: (err: Error) => void;
  /**
   * Settles with the error that stopped this listener for good on its own (its token refused on
   * a reconnect, say); never while it runs or after close().
   */
  readonly failed = new Promise<Error>((resolve) => (this.fail = resolve));

  constructor(
    private readonly options: TcpAgentListenerOptions,
    private readonly upstream: Upstream,
  ) {
    this.logger = options.logger.child({ endpointId: options.endpointId, protocol: 'tcp' });
    this.target = toHostPort(options.addr);
    this.accessLog = new AgentAccessLog(options.accessLog);
    this.connections = new ConnectionLimit(options.maxConnections, this.logger);
  }

  get endpointId(): string {
    return this.options.endpointId;
  }

  async start(signal?: AbortSignal): Promise<void> {
    this.listener = await this.upstream.listen(this.options.endpointId, { signal, protocol: 'tcp' });
    if (this.options.status) followListener(this.listener, this.options.status);
    // Over max_connections the stream is closed at once: TCP has no way to say "busy".
    this.listener.on('connection', (stream: Duplex) => (this.connections.admit(stream) ? this.forward(stream) : stream.destroy()));
    this.listener.on('error', (err: Error) => {
      this.logger.error('listener failed', { err: err.message });
      this.fail(err);
    });
    this.logger.info('forwarding endpoint', { addr: `${this.target.host}:${this.target.port}` });
  }

  /** Graceful: no new connections; open ones run until either side closes them. */
  async close(): Promise<void> {
    await this.listener?.close();
  }

  shutdown(): void {
    this.listener?.shutdown();
  }

  /**
   * Joins one stream to a new connection to the service and writes its access-log line when the
   * connection closes (see AgentAccessLog for the level): duration (ms), bytes each way and the
   * close reason (the first error or reset, else which side closed first).
   */
  private forward(stream: Duplex): void {
    const started = performance.now();
    const socket = forwardConnection(stream, this.target, this.logger);
    let reason = '';
    let ended = '';
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.once('error', (err: Error) => (reason ||= `${connected ? 'service error' : 'service unreachable'}: ${err.message}`));
    stream.once('error', (err: Error) => (reason ||= `piko stream error: ${err.message}`));
    socket.once('end', () => (ended ||= 'service closed'));
    stream.once('end', () => (ended ||= 'client closed'));
    socket.once('close', () => {
      const fields = {
        durationMs: Math.round(performance.now() - started),
        bytesIn: socket.bytesWritten,
        bytesOut: socket.bytesRead,
        closeReason: reason || ended || 'closed',
      };
      this.accessLog.connection(this.logger, fields);
    });
  }
}

function toHostPort(addr: string): { host: string; port: number } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(addr)) {
    const url = parseTargetUrl(addr);
    return { host: targetHost(url), port: targetPort(url) };
  }
  return parseHostPort(addr);
}
