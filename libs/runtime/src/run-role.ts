import { ConfigError, loadConfig, renderHelp, ServerConfig } from '@piko/config';
import { createLogger, type Logger, onShutdownSignal } from '@piko/observability';
import { rejectUnsupported } from './unsupported-config';

/** A started role (or set of roles) of one process, stopped gracefully within `grace_period`. */
export interface RunningRole {
  shutdown(): Promise<void>;
}

export interface RoleCommand {
  /** Usage text printed above the generated flag list for --help. */
  usage: string;
  start(config: ServerConfig, logger: Logger): Promise<RunningRole>;
}

/**
 * What every server process does, whether started as `piko <role>` or as its container's
 * `node dist/apps/<app>/main.js`: load and validate config (a bad key fails before any port
 * opens, exit 2), start, and on SIGTERM/SIGINT shut down gracefully (a second signal exits at once).
 */
export async function runRole(command: RoleCommand, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let role: RunningRole;
  let logger: Logger;
  try {
    const { config, help, positionals } = loadConfig(ServerConfig, { argv, env });
    if (help) {
      process.stdout.write(`${command.usage}\n${renderHelp(ServerConfig)}`);
      return 0;
    }
    if (positionals.length > 0) throw new ConfigError([`config: unexpected arguments: ${positionals.join(' ')}`]);
    rejectUnsupported(config);
    logger = createLogger({ level: config.log.level, subsystems: config.log.subsystems });
    role = await command.start(config, logger);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  await new Promise<void>((resolve) => onShutdownSignal(() => role.shutdown().then(resolve), logger));
  return 0;
}
