export interface RunMainOptions {
  /** How to end the process; `process.exit` by default (tests pass a spy). */
  exit?: (code: number) => void;
  /** Where the failure line goes; stderr by default. */
  write?: (text: string) => void;
}

/**
 * The `main` of every `piko` process (the CLI and each container entry point). `main` resolves to
 * the exit code: 0 lets the process end once its work is done (after a graceful shutdown);
 * any other code ends it at once, since a start-up that failed halfway may have left ports open
 * that would keep it alive, listening but never ready. A rejection is a bug, not an operator's
 * mistake (those are reported by `main` itself as one line): its stack is printed, exit 1.
 */
export function runMain(main: () => Promise<number>, options: RunMainOptions = {}): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  return main().then(
    (code) => {
      if (code === 0) process.exitCode = 0;
      else exit(code);
    },
    (err: unknown) => {
      write(`piko: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      exit(1);
    },
  );
}
