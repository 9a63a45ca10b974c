import { findBinary } from './find-binary';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { tcpProbe } from './tcp-probe';
import { waitFor } from './wait-for';

/** A real redis-server on 127.0.0.1 and a free port, without persistence, for one test file. */
export class RedisServer {
  private process: ManagedProcess;

  private constructor(
    private readonly binary: string,
    readonly port: number,
  ) {
    this.process = this.spawn();
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(findBinary('redis-server'), await freePort());
    await server.waitReady();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
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

  /** SIGKILL: as a crash (nothing flushed; there is no persistence anyway). */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  /** Stops (if running) and starts again on the same port, empty: data does not survive. */
  async restart(): Promise<void> {
    if (this.process.running) await this.process.stop();
    this.process = this.spawn();
    await this.waitReady();
  }

  private spawn(): ManagedProcess {
    return ManagedProcess.start(`redis-server:${this.port}`, this.binary, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  }

  private async waitReady(): Promise<void> {
    await waitFor(`redis-server on port ${this.port}`, async () => {
      if (!this.process.running) throw new Error(`redis-server exited:\n${this.process.logs}`);
      return (await tcpProbe(this.port, 'PING\r\n')).startsWith('+PONG') ? true : undefined;
    });
  }
}
