import { findBinary } from './find-binary';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { tcpProbe } from './tcp-probe';
import { waitFor } from './wait-for';

/** What distinguishes one real server program from another in the harness. */
export interface ServerProgram {
  /** Binary name, found on PATH (or /usr/sbin); a missing one fails with the apt-get line. */
  binary: string;
  scheme: string;
  args(port: number): string[];
  /** Bytes to send on a fresh connection (undefined: just read), and how a ready server answers. */
  probe: { send: string | undefined; expect: string; tls?: boolean };
}

/**
 * A real server on 127.0.0.1 and a free port, for one test file: started, stopped, SIGKILLed or
 * restarted on the same port for fault tests, with its output kept for failure messages.
 */
export class RestartableServer {
  private process: ManagedProcess;

  protected constructor(
    private readonly program: ServerProgram,
    private readonly path: string,
    readonly port: number,
  ) {
    this.process = this.spawn();
  }

  protected static async launch(program: ServerProgram): Promise<{ program: ServerProgram; path: string; port: number }> {
    return { program, path: findBinary(program.binary), port: await freePort() };
  }

  get url(): string {
    return `${this.program.scheme}://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  get logs(): string {
    return this.process.logs;
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }

  /** SIGKILL: as a crash. */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  /** Stops (if running) and starts again on the same port, so clients can reconnect; no state survives. */
  async restart(): Promise<void> {
    if (this.process.running) await this.process.stop();
    this.process = this.spawn();
    await this.waitReady();
  }

  protected async waitReady(): Promise<void> {
    const { binary, probe } = this.program;
    const what = `${binary} on port ${this.port}`;
    await waitFor(what, async () => ((await tcpProbe(this.port, probe.send, 1_000, probe.tls)).startsWith(probe.expect) ? true : undefined), 10_000, () => this.process.exitedBefore(what));
  }

  private spawn(): ManagedProcess {
    return ManagedProcess.start(`${this.program.binary}:${this.port}`, this.path, this.program.args(this.port));
  }
}
