import { AgentConfig, clientTlsOptions, ConfigError, loadConfig, normalizeListenerAddr, renderHelp } from '@piko/config';
import { isValidEndpointId } from '@piko/protocol';
import { createLogger, onShutdownSignal } from '@piko/observability';
import { type AgentListenerConfig, runAgent } from '../agent';
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
    const listeners = listenersOf(sub as Subcommand, positionals, config);

    const logger = createLogger({ level: config.log.level, subsystems: config.log.subsystems });
    const agent = await runAgent(
      {
        listeners,
        connect: {
          url: config.connect.url,
          token: config.connect.token || undefined,
          tenantId: config.connect.tenantId || undefined,
          timeoutMs: config.connect.timeout,
          tls: clientTlsOptions(config.connect.tls, 'connect.tls'),
        },
      },
      logger.child({ subsystem: 'agent' }),
      { gracePeriodMs: config.gracePeriod },
    );
    await new Promise<void>((resolve) => onShutdownSignal(() => agent.close().then(resolve), logger));
    return 0;
  },
};

/** The YAML's listeners plus, for `http`/`tcp`, the one named by the arguments. */
function listenersOf(sub: Subcommand, positionals: string[], config: AgentConfig): AgentListenerConfig[] {
  const fromYaml: AgentListenerConfig[] = config.listeners.map((l) => ({
    endpointId: l.endpointId,
    addr: l.addr,
    protocol: l.protocol,
    accessLog: l.accessLog,
    timeoutMs: l.timeout,
  }));
  if (sub === 'start') {
    if (positionals.length > 0) throw new ConfigError([`agent start takes no arguments (got ${positionals.join(' ')})`]);
    if (fromYaml.length === 0) throw new ConfigError(['agent start: no listeners configured (set listeners in --config.path)']);
    return fromYaml;
  }
  if (positionals.length !== 2) {
    throw new ConfigError([`agent ${sub}: expected <endpoint> <addr> (got ${positionals.length} arguments)`]);
  }
  const [endpointId, addr] = positionals;
  if (!isValidEndpointId(endpointId)) throw new ConfigError([`agent ${sub}: invalid endpoint id ${JSON.stringify(endpointId)}`]);
  normalizeListenerAddr(addr); // throws a ConfigError naming the address when it is not one
  return [...fromYaml, { endpointId, addr, protocol: sub, accessLog: config.accessLog, timeoutMs: config.timeout }];
}
