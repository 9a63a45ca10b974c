import { ConfigError, loadConfig, renderHelp, ServerConfig } from '@piko/config';
import { createLogger, type Logger, onShutdownSignal, StartupError } from '@piko/observability';

/** A started role (or set of roles) of one process, stopped gracefully within `grace_period`. */
export interface RunningRole {
  shutdown(): Promise<void>;
}

export interface RoleCommand {
  /** Usage text printed above the generated flag list for --help. */
  usage: string;
  /** Starts the role; throws StartupError (e.g. from bindPort) for a failure the operator must fix. */
  start(config: ServerConfig, logger: Logger): Promise<RunningRole>;
}

/**
 * What every server process does, whether started as `piko <role>` or as its container's
 * `node dist/apps/<app>/main.js`: load and validate config (a bad key fails before any port
 * opens: its message on stderr, exit 2), start (a port that cannot be opened: one line
 * `piko: --proxy.bind-addr 127.0.0.1:8000: address already in use`, exit 1), and on
 * SIGTERM/SIGINT shut down gracefully (a second signal exits at once) and exit 0, within a second of
 * the shutdown completing even if a library still holds the event loop.
 *
 * A non-zero result means start-up failed with some ports possibly already open: the caller
 * must end the process (exitProcess) rather than wait for the event loop to empty.
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
    if (positionals.length > 0) throw new ConfigError([`unexpected arguments: ${positionals.join(' ')}`]);
    logger = createLogger({ level: config.log.level, subsystems: config.log.subsystems });
    role = await command.start(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (err instanceof StartupError) {
      process.stderr.write(`piko: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  await new Promise<void>((resolve) => onShutdownSignal(() => role.shutdown().then(resolve), logger));
  exitIfStillRunning(logger);
  return 0;
}

/** How long a process may take, after its shutdown completed, to end on its own (ms). */
const LINGER_AFTER_SHUTDOWN_MS = 1_000;

/**
 * Shutdown closed every port and client, so the event loop should now empty and the process end
 * with code 0. If a library still holds it open (a reconnect or ping timer, a socket), Kubernetes
 * would keep the pod Terminating until SIGKILL at the end of its grace period; so, as a last
 * resort, exit 0 after LINGER_AFTER_SHUTDOWN_MS, naming what was still open. The timer is unref'd:
 * it never itself keeps the process alive.
 */
function exitIfStillRunning(logger: Logger): void {
  setTimeout(() => {
    logger.warn('still running after shutdown completed; exiting', { resources: process.getActiveResourcesInfo() });
    process.exit(0);
  }, LINGER_AFTER_SHUTDOWN_MS).unref();
}
