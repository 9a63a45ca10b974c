import { AbortError, ConnectError, Upstream, type Logger } from '@piko/client';
import { pikoVersion } from '@piko/observability';
import { DEFAULT_ACCESS_LOG } from './access-log';
import type { AgentConfig } from './agent-config';
import type { AgentMetrics } from './agent-metrics';
import type { AgentStatus } from './agent-status';
import { DEFAULT_MAX_REQUEST_LINE_BYTES } from './request-line';
import { HttpAgentListener } from './http-agent-listener';
import { TcpAgentListener } from './tcp-agent-listener';

/** `max_connections`'s default (listener.config.ts), for listeners built without the config loader. */
const DEFAULT_MAX_CONNECTIONS = 512;

export interface RunningAgent {
  /**
   * Settles with the error of the first listener that stopped for good on its own (Piko refused
   * its token on a reconnect: revoked or expired); never while all of them run. The agent cannot
   * recover from that by itself, so the CLI stops the rest and exits 1, as Go Piko's agent does,
   * for a supervisor to restart it (with a new token).
   */
  readonly failed: Promise<Error>;
  /**
   * Graceful stop: every listener stops taking new connections and lets in-flight ones finish;
   * after `gracePeriodMs` whatever is left is cut.
   */
  close(): Promise<void>;
}

export interface RunAgentOptions {
  /** Milliseconds close() waits for in-flight requests before cutting them; default 60000. */
  gracePeriodMs?: number;
  /** Go's agent request metrics for the HTTP listeners (when the agent server runs). */
  metrics?: AgentMetrics;
  /** The agent server's /status (when it runs): each listener reports its session and streams there. */
  status?: AgentStatus;
}

/**
 * Starts every configured listener (one outbound connection each) and resolves once all are
 * registered. If any fails to connect (bad token, connect.timeoutMs elapsed) the others are
 * shut down and the error is thrown, so the CLI exits non-zero instead of running half-configured.
 */
export async function runAgent(config: AgentConfig, logger: Logger, options: RunAgentOptions = {}): Promise<RunningAgent> {
  const upstream = new Upstream({
    url: config.connect.url,
    token: config.connect.token,
    tenantId: config.connect.tenantId,
    tls: config.connect.tls,
    // The admin API lists each session's agent and version (UpstreamView.agentVersion).
    userAgent: `piko-agent/${pikoVersion()}`,
    logger,
  });
  const listeners = config.listeners.map((ln) =>
    ln.protocol === 'tcp'
      ? new TcpAgentListener(
          {
            endpointId: ln.endpointId,
            addr: ln.addr,
            accessLog: ln.accessLog ?? DEFAULT_ACCESS_LOG,
            maxConnections: ln.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
            logger,
            status: options.status?.listener(ln.endpointId, 'tcp', ln.addr),
          },
          upstream,
        )
      : new HttpAgentListener(
          {
            endpointId: ln.endpointId,
            addr: ln.addr,
            accessLog: ln.accessLog ?? DEFAULT_ACCESS_LOG,
            timeoutMs: ln.timeoutMs ?? 10_000,
            maxRequestLineBytes: ln.maxRequestLineBytes ?? DEFAULT_MAX_REQUEST_LINE_BYTES,
            maxConnections: ln.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
            keepAliveMs: ln.keepAliveMs,
            idleConnTimeoutMs: ln.idleConnTimeoutMs,
            tls: ln.tls,
            metrics: options.metrics,
            status: options.status?.listener(ln.endpointId, 'http', ln.addr),
            logger,
          },
          upstream,
        ),
  );

  const connectTimeout = config.connect.timeoutMs ?? 30_000;
  const signal = connectTimeout > 0 ? AbortSignal.timeout(connectTimeout) : undefined;
  const results = await Promise.allSettled(listeners.map((ln) => ln.start(signal)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const ln of listeners) ln.shutdown();
    // Gave up retrying: name the last failure (its URL and cause) and the limit that ended it.
    if (failed.reason instanceof AbortError && failed.reason.lastError && signal?.aborted) {
      throw new ConnectError(`${failed.reason.lastError.message} (gave up after ${connectTimeout / 1000} s: --connect.timeout)`, false, undefined, {
        cause: failed.reason,
      });
    }
    throw failed.reason;
  }

  const gracePeriodMs = options.gracePeriodMs ?? 60_000;
  let closing: Promise<void> | undefined;
  return {
    failed: Promise.race(listeners.map((ln) => ln.failed)),
    close() {
      closing ??= (async () => {
        logger.info('agent shutting down', { gracePeriodMs });
        const timer = setTimeout(() => {
          logger.warn('grace period elapsed; closing remaining connections');
          for (const ln of listeners) ln.shutdown();
        }, gracePeriodMs);
        try {
          await Promise.all(listeners.map((ln) => ln.close()));
        } finally {
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}
