import { findBinary } from './find-binary';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { tcpProbe } from './tcp-probe';
import { waitFor } from './wait-for';

/** A real nats-server on 127.0.0.1 and a free port, for one test file. */
export class NatsServer {
  private process: ManagedProcess;

  private constructor(
    private readonly binary: string,
    readonly port: number,
  ) {
    this.process = this.spawn();
  }

  static async start(): Promise<NatsServer> {
    const server = new NatsServer(findBinary('nats-server'), await freePort());
    await server.waitReady();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
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

  async kill(): Promise<void> {
    await this.process.kill();
  }

  /** Stops (if running) and starts again on the same port, so clients can reconnect. */
  async restart(): Promise<void> {
    if (this.process.running) await this.process.stop();
    this.process = this.spawn();
    await this.waitReady();
  }

  private spawn(): ManagedProcess {
    return ManagedProcess.start(`nats-server:${this.port}`, this.binary, ['-a', '127.0.0.1', '-p', String(this.port)]);
  }

  private async waitReady(): Promise<void> {
    // A NATS server greets every connection with an INFO line.
    await waitFor(`nats-server on port ${this.port}`, async () => {
      if (!this.process.running) throw new Error(`nats-server exited:\n${this.process.logs}`);
      return (await tcpProbe(this.port, undefined)).startsWith('INFO ') ? true : undefined;
    });
  }
}
