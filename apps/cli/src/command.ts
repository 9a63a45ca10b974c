/** One `piko` subcommand. `run` resolves to the process exit code once the command is finished. */
export interface Command {
  run(argv: string[], env: NodeJS.ProcessEnv): Promise<number>;
}

/**
 * A command as the CLI lists it. The implementation is loaded only when that command runs, so
 * `piko agent` never loads Nest, ioredis or nats (tens of MB of resident memory).
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}
