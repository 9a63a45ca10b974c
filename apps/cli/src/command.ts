/** One `piko` subcommand. `run` resolves to the process exit code once the command is finished. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  run(argv: string[], env: NodeJS.ProcessEnv): Promise<number>;
}
