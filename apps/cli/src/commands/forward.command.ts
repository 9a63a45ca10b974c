import { Dialer } from '@piko/client';
import { clientTlsOptions, ConfigError, ForwardConfig, loadConfig, renderHelp, trySplitHostPort } from '@piko/config';
import { bindPort, createLogger, type Logger, onShutdownSignal } from '@piko/observability';
import { isValidEndpointId } from '@piko/protocol';
import type { Command } from '../command';
import { unknownSubcommand } from './unknown-subcommand';
import { type ForwardPort, TcpPortForwarder } from '../forward/tcp-forwarder';

const USAGE = `Usage:
  piko forward tcp <addr> <endpoint> [flags]   listen on a local port, forward to an endpoint
  piko forward start --config.path forward.yaml  every port in the YAML file's 'ports'

As in Go Piko, 'forward tcp' opens only the port its arguments name: ports in a
--config.path file are not opened (its other keys still apply).

Each connection to the local port is carried through Piko's proxy port
(--connect.url) as a WebSocket to /_piko/v1/tcp/<endpoint>, and from there down
the upstream's connection to its local TCP service. <addr> is a port ('15432',
meaning 127.0.0.1) or host:port.

Examples:
  piko forward tcp 15432 my-db
  piko forward tcp 127.0.0.1:6380 my-redis --connect.url https://piko.example.com
`;

const SUBCOMMANDS = ['tcp', 'start'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export const forwardCommand: Command = {
  async run(argv, env) {
    const [sub, ...rest] = argv;
    if (!SUBCOMMANDS.includes(sub as Subcommand)) {
      const help = sub === '--help' || sub === '-h';
      if (help) {
        process.stdout.write(`${USAGE}\n${renderHelp(ForwardConfig)}`);
        return 0;
      }
      process.stderr.write(sub === undefined ? `${USAGE}\n${renderHelp(ForwardConfig)}` : `${unknownSubcommand('forward', sub, SUBCOMMANDS)}\n\n${USAGE}`);
      return 2;
    }
    const { config, positionals, help } = loadConfig(ForwardConfig, { argv: rest, env });
    if (help) {
      process.stdout.write(`${USAGE}\n${renderHelp(ForwardConfig)}`);
      return 0;
    }
    const logger = createLogger({ level: config.log.level, subsystems: config.log.subsystems }).child({ subsystem: 'forward' });
    const ports = portsOf(sub as Subcommand, positionals, config, logger);
    const dialer = new Dialer({
      url: config.connect.url,
      token: config.connect.token || undefined,
      tls: clientTlsOptions(config.connect.tls, 'connect.tls'),
      handshakeTimeout: config.connect.timeout,
    });
    const forwarders = ports.map((port) => new TcpPortForwarder(port, dialer, logger));
    // A local port already taken ends the command with `piko forward: local port 127.0.0.1:15432: address already in use`.
    await Promise.all(forwarders.map((f, i) => bindPort('local port', `${ports[i].host || '127.0.0.1'}:${ports[i].port}`, () => f.listen())));
    await new Promise<void>((resolve) =>
      onShutdownSignal(() => Promise.all(forwarders.map((f) => f.close(true))).then(() => resolve()), logger),
    );
    return 0;
  },
};

/**
 * `forward start`: the file's ports. `forward tcp <addr> <endpoint>`: only the one its arguments
 * name; as Go Piko's cli/forward/tcp.go does, the file's ports are discarded (a warning says so).
 */
function portsOf(sub: Subcommand, positionals: string[], config: ForwardConfig, logger: Logger): ForwardPort[] {
  const parse = (addr: string, endpointId: string, where: string): ForwardPort => {
    const hostPort = /^\d+$/.test(addr) ? { host: '127.0.0.1', port: Number(addr) } : trySplitHostPort(addr);
    if (!hostPort) throw new ConfigError([`${where}: invalid address ${JSON.stringify(addr)} (want a port or host:port)`]);
    if (!isValidEndpointId(endpointId)) throw new ConfigError([`${where}: invalid endpoint id ${JSON.stringify(endpointId)}`]);
    return { ...hostPort, endpointId };
  };
  const fromYaml = config.ports.map((p, i) => parse(p.addr, p.endpointId, `ports[${i}]`));
  if (sub === 'start') {
    if (positionals.length > 0) throw new ConfigError([`forward start takes no arguments (got ${positionals.join(' ')})`]);
    if (fromYaml.length === 0) throw new ConfigError(['forward start: no ports configured (set ports in --config.path)']);
    return fromYaml;
  }
  if (positionals.length !== 2) throw new ConfigError([`forward tcp: expected <addr> <endpoint> (got ${positionals.length} argument${positionals.length === 1 ? '' : 's'})`]);
  if (fromYaml.length > 0) {
    logger.warn("forward tcp forwards only the port its arguments name, as Go Piko does; the config file's ports are not opened (use 'piko forward start' for them)", {
      ignoredPorts: config.ports.map((p) => `${p.addr} -> ${p.endpointId}`),
    });
  }
  return [parse(positionals[0], positionals[1], 'forward tcp')];
}
