import {
  type AccessLogConfig,
  AgentConfig,
  clientTlsOptions,
  ConfigError,
  type HttpClientConfig,
  loadConfig,
  normalizeListenerAddr,
  parseBindAddr,
  renderHelp,
} from '@piko/config';
import { ConnectError, PikoClientError } from '@piko/client';
import { isValidEndpointId } from '@piko/protocol';
import { bindPort, createLogger, createMetrics, type Logger, onShutdownSignal, pikoVersion } from '@piko/observability';
import { type AgentListenerConfig, AgentMetrics, AgentStatus, runAgent, type RunningAgentServer, startAgentServer } from '@piko/agent';
import type { Command } from '../command';
import { unknownSubcommand } from './unknown-subcommand';

const USAGE = `Usage:
  piko agent http <endpoint> <addr> [flags]   forward HTTP from endpoint to a local service
  piko agent tcp <endpoint> <addr> [flags]    forward TCP connections from endpoint
  piko agent start --config.path agent.yaml   register every listener in the YAML file

The agent dials out to Piko's upstream port (--connect.url) and registers each
endpoint; requests for the endpoint are then forwarded to the local service.
<addr> is a port ('3000', meaning localhost), host:port, or a URL
('http://localhost:3000'). Whenever the connection drops it reconnects with
exponential backoff (100 ms doubling to 15 s, with jitter; at most 1 s apart
for the first 30 s of an outage, and from 100 ms again after each connect).

As in Go Piko, 'agent http' and 'agent tcp' run only the listener their
arguments name: listeners in a --config.path file are not started (the file's
other keys, such as connect and log, still apply). Use 'agent start' for them.

Examples:
  piko agent http my-service 3000
  piko agent http my-service 3000 --connect.url https://piko.example.com:8001 --connect.token $TOKEN
  piko agent tcp my-db localhost:5432
`;

const SUBCOMMANDS = ['http', 'tcp', 'start'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export const agentCommand: Command = {
  async run(argv, env) {
    const [sub, ...rest] = argv;
    if (!SUBCOMMANDS.includes(sub as Subcommand)) {
      const help = sub === undefined || sub === '--help' || sub === '-h';
      if (!help) {
        process.stderr.write(`${unknownSubcommand('agent', sub, SUBCOMMANDS)}\n\n${USAGE}`);
        return 2;
      }
      process.stdout.write(`${USAGE}\n${renderHelp(AgentConfig)}`);
      return sub !== undefined ? 0 : 2;
    }
    const { config, positionals, help } = loadConfig(AgentConfig, { argv: rest, env });
    if (help) {
      process.stdout.write(`${USAGE}\n${renderHelp(AgentConfig)}`);
      return 0;
    }
    const logger = createLogger({ level: config.log.level, subsystems: config.log.subsystems });
    const listeners = listenersOf(sub as Subcommand, positionals, config, logger);
    const connectTls = clientTlsOptions(config.connect.tls, 'connect.tls');

    // Go starts its agent server after the listeners; opening it first fails a taken port before any connect.
    let server: RunningAgentServer | undefined;
    let metrics: AgentMetrics | undefined;
    let status: AgentStatus | undefined;
    if (config.server.enabled) {
      const { host, port } = parseBindAddr(config.server.bindAddr);
      const served = createMetrics();
      metrics = new AgentMetrics(served.registry);
      const agentStatus = new AgentStatus(served.registry, pikoVersion(), config.connect.url);
      status = agentStatus;
      server = await bindPort('--server.bind-addr', config.server.bindAddr, () => startAgentServer(host, port, served, agentStatus, logger.child({ subsystem: 'server' })));
    }
    const agent = await runAgent(
      {
        listeners,
        connect: {
          url: config.connect.url,
          token: config.connect.token || undefined,
          tenantId: config.connect.tenantId || undefined,
          timeoutMs: config.connect.timeout,
          tls: connectTls,
        },
      },
      logger.child({ subsystem: 'agent' }),
      { gracePeriodMs: config.gracePeriod, metrics, status },
    ).catch(async (err: unknown) => {
      await server?.close();
      throw err;
    });
    const failure = await new Promise<Error | undefined>((resolve) => {
      onShutdownSignal(
        () =>
          agent
            .close()
            .then(() => server?.close())
            .then(() => resolve(undefined)),
        logger,
      );
      void agent.failed.then(resolve);
    });
    if (!failure) return 0;
    // A listener that cannot go on ends the agent: the others finish their requests and stop,
    // and the CLI prints `piko agent: <cause>` and exits 1 (an exit 0 would look like a clean stop
    // to a supervisor's Restart=on-failure).
    await agent.close();
    await server?.close();
    throw failure instanceof PikoClientError ? failure : new ConnectError(failure.message, false, undefined, { cause: failure });
  },
};

/**
 * `agent start`: the YAML's listeners. `agent http|tcp`: only the one named by the arguments,
 * with the --access-log.*, --timeout and --http-client.* flags; as Go Piko's cli/agent/http.go
 * does, the file's listeners are discarded (and a warning says so).
 */
function listenersOf(sub: Subcommand, positionals: string[], config: AgentConfig, logger: Logger): AgentListenerConfig[] {
  if (sub === 'start') {
    if (positionals.length > 0) throw new ConfigError([`agent start takes no arguments (got ${positionals.join(' ')})`]);
    if (config.listeners.length === 0) throw new ConfigError(['agent start: no listeners configured (set listeners in --config.path)']);
    return config.listeners.map((l, i) => ({
      endpointId: l.endpointId,
      addr: l.addr,
      protocol: l.protocol,
      timeoutMs: l.timeout,
      maxRequestLineBytes: l.maxRequestLineBytes,
      maxConnections: l.maxConnections,
      ...listenerExtras(l.accessLog, l.httpClient, config),
      tls: l.protocol === 'http' ? clientTlsOptions(l.tls, `listeners[${i}].tls`) : undefined,
    }));
  }
  if (positionals.length !== 2) {
    throw new ConfigError([`agent ${sub}: expected <endpoint> <addr> (got ${positionals.length} argument${positionals.length === 1 ? '' : 's'})`]);
  }
  const [endpointId, addr] = positionals;
  if (!isValidEndpointId(endpointId)) throw new ConfigError([`agent ${sub}: invalid endpoint id ${JSON.stringify(endpointId)}`]);
  normalizeListenerAddr(addr); // throws a ConfigError naming the address when it is not one
  if (config.listeners.length > 0) {
    logger.warn(`agent ${sub} runs only the listener its arguments name, as Go Piko does; the config file's listeners are not started (use 'piko agent start' for them)`, {
      ignoredListeners: config.listeners.map((l) => l.endpointId),
    });
  }
  return [
    {
      endpointId,
      addr,
      protocol: sub,
      timeoutMs: config.timeout,
      maxRequestLineBytes: config.maxRequestLineBytes,
      maxConnections: config.maxConnections,
      ...listenerExtras(config.accessLog, config.httpClient, config),
    },
  ];
}

function listenerExtras(accessLog: AccessLogConfig, httpClient: HttpClientConfig, config: AgentConfig): Pick<AgentListenerConfig, 'accessLog' | 'keepAliveMs' | 'idleConnTimeoutMs'> {
  // Records below the process's log level are never built (log.subsystems may enable any level).
  const processLevel = config.log.subsystems.length > 0 ? undefined : config.log.level;
  return { accessLog: { ...accessLog, processLevel }, keepAliveMs: httpClient.keepAliveTimeout, idleConnTimeoutMs: httpClient.idleConnTimeout };
}
