import { freePort, ManagedProcess, NatsServer, RedisServer, waitFor } from '@piko/testing';
import { PIKO_BIN } from './piko';

export interface ClusterNode {
  process: ManagedProcess;
  /** proxy port, or upstream port for a gateway, or admin port. */
  port: number;
  opsPort: number;
  url: string;
  opsUrl: string;
}

/** Real Redis and NATS plus `piko proxy|gateway|admin` processes, started as a user would. */
export class TestCluster {
  readonly nodes: ClusterNode[] = [];

  private constructor(
    readonly redis: RedisServer,
    readonly nats: NatsServer,
    private readonly extraArgs: string[],
  ) {}

  static async start(extraArgs: string[] = []): Promise<TestCluster> {
    const [redis, nats] = await Promise.all([RedisServer.start(), NatsServer.start()]);
    return new TestCluster(redis, nats, extraArgs);
  }

  private clusterArgs(): string[] {
    return ['--cluster.redis-url', this.redis.url, '--cluster.nats-url', this.nats.url, '--log.level', 'warn', ...this.extraArgs];
  }

  async gateway(name: string, args: string[] = []): Promise<ClusterNode> {
    const [port, relayPort, opsPort] = [await freePort(), await freePort(), await freePort()];
    return this.startNode(name, 'gateway', port, opsPort, [
      '--upstream.bind-addr', `127.0.0.1:${port}`,
      '--relay.bind-addr', `127.0.0.1:${relayPort}`,
      '--ops.bind-addr', `127.0.0.1:${opsPort}`,
      ...args,
    ]);
  }

  async proxy(name: string, args: string[] = []): Promise<ClusterNode> {
    const [port, opsPort] = [await freePort(), await freePort()];
    return this.startNode(name, 'proxy', port, opsPort, ['--proxy.bind-addr', `127.0.0.1:${port}`, '--ops.bind-addr', `127.0.0.1:${opsPort}`, ...args]);
  }

  async admin(name: string): Promise<ClusterNode> {
    const port = await freePort();
    return this.startNode(name, 'admin', port, port, ['--admin.bind-addr', `127.0.0.1:${port}`]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.process.stop('SIGKILL')));
    await Promise.all([this.redis.stop(), this.nats.stop()]);
  }

  private async startNode(name: string, role: string, port: number, opsPort: number, args: string[]): Promise<ClusterNode> {
    const process = ManagedProcess.start(name, 'node', [PIKO_BIN, role, ...this.clusterArgs(), ...args]);
    const node = { process, port, opsPort, url: `http://127.0.0.1:${port}`, opsUrl: `http://127.0.0.1:${opsPort}` };
    this.nodes.push(node);
    await waitFor(`${name} ready`, async () => ((await fetch(`${node.opsUrl}/ready`)).ok ? true : undefined), 15_000);
    return node;
  }
}
