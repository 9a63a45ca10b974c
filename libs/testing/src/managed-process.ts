import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A real process started by a test, with its output kept for the failure message. `stop()` sends
 * a signal and waits for the exit; `kill()` is SIGKILL, for fault tests.
 */
export class ManagedProcess {
  /** Processes started and not yet exited, so a test file that fails half-way cannot leak one. */
  private static readonly live = new Set<ManagedProcess>();
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.append(chunk));
    ManagedProcess.live.add(this);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        ManagedProcess.live.delete(this);
        resolve({ code, signal });
      }),
    );
  }

  /**
   * SIGKILLs every process still running and waits for them; returns their names. A test that
   * throws between start() and stop() (a readiness wait that timed out, say) would otherwise leave
   * a child whose stdout pipe keeps Jest from exiting: the whole run hangs.
   */
  static async killAll(): Promise<string[]> {
    const leftovers = [...ManagedProcess.live];
    await Promise.all(leftovers.map((p) => p.kill()));
    return leftovers.map((p) => p.name);
  }

  static start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ManagedProcess(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get logs(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * An error naming this process, how it ended and its output, if it has exited; undefined while
   * it runs. For waitFor's `giveUp`: a readiness wait ends when the server does, not 60 s later.
   */
  exitedBefore(what: string): Error | undefined {
    if (this.running) return undefined;
    const how = this.child.signalCode ? `signal ${this.child.signalCode}` : `code ${this.child.exitCode}`;
    return new Error(`${this.name} exited (${how}) before ${what}:\n${this.output}`);
  }

  /** Resolves when the output contains `text` (a line the process logs when it is up). */
  async waitForOutput(text: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const matches = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
    const deadline = Date.now() + timeoutMs;
    while (!matches()) {
      if (!this.running) throw new Error(`${this.name} exited before logging ${text}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not log ${text} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.stop('SIGKILL');
  }

  private append(chunk: Buffer): void {
    this.output += chunk.toString();
    // Keep the tail only: a chatty process must not grow a test's memory without bound.
    if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
  }
}
