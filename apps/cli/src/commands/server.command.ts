import { loadConfig, renderHelp, ServerConfig } from '@piko/config';
import { createLogger, onShutdownSignal } from '@piko/observability';
import type { Command } from '../command';
import { startEmbeddedServer } from '../server/embedded-server';

const USAGE = `Usage: piko server [flags]

Runs every role in one process: the proxy (clients, :8000), the upstream port
(agents and SDK listeners, :8001) and admin (health, readiness, metrics, :8002),
with the in-memory registry. Configure with flags or a YAML file
(--config.path); flags win over the file.

Examples:
  piko server
  piko server --proxy.bind-addr 127.0.0.1:8000 --log.level debug
  piko server --config.path server.yaml --config.expand-env
`;

export const serverCommand: Command = {
  name: 'server',
  summary: 'Run proxy, upstream gateway and admin in one process',
  async run(argv, env) {
    const { config, help } = loadConfig(ServerConfig, { argv, env });
    if (help) {
      process.stdout.write(`${USAGE}\n${renderHelp(ServerConfig)}`);
      return 0;
    }
    const logger = createLogger({ level: config.log.level, subsystems: config.log.subsystems });
    const server = await startEmbeddedServer(config, logger);
    await new Promise<void>((resolve) => onShutdownSignal(() => server.shutdown().then(resolve), logger));
    return 0;
  },
};
