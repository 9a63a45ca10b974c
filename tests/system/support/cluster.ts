import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort, ManagedProcess, NatsServer, RedisServer, waitFor } from '@piko/testing';

/** A user and password both servers require (NATS `--user`/`--pass`, a Redis ACL user). */
export interface ClusterCredentials {
  name: string;
  password: string;
}
import { PIKO_BIN } from './piko';

export interface ClusterNode {
  process: ManagedProcess;
  /** proxy port, or upstream port for a gateway, or admin port. */
  port: number;
  opsPort: number;
  url: string;
  opsUrl: string;
  /** A gateway's (or combined server's) relay port. */
  relayPort?: number;
  /** A combined server's upstream port (a gateway's is `port`). */
  upstreamPort?: number;
}

export interface TestClusterOptions {
  /** Give every node `--relay.secret` (default true; false for a relay authenticated by mutual TLS only). */
  relaySecret?: boolean;
  /** The CA of the ops ports' certificate, when they serve TLS: readiness is then checked over https with it. */
  opsCa?: string;
  /** NATS and Redis require this user (nodes get it in their URLs). */
  credentials?: ClusterCredentials;
  /** Wait for each node's /ready to answer 200 (default true; false: only for its port to answer). */
  awaitReady?: boolean;
}

/** Real Redis and NATS plus `piko proxy|gateway|admin` processes, started as a user would. */
export class TestCluster {
  readonly nodes: ClusterNode[] = [];
  /** The relay link's shared secret, given to every node (a node's own args may override it). */
  readonly relaySecret = randomBytes(32).toString('hex');

  private constructor(
    readonly redis: RedisServer,
    readonly nats: NatsServer,
    private readonly extraArgs: string[],
    private readonly options: TestClusterOptions = {},
  ) {}

  static async start(extraArgs: string[] = [], options: TestClusterOptions = {}): Promise<TestCluster> {
    const user = options.credentials;
    const [redis, nats] = await Promise.all([RedisServer.start({ user }), NatsServer.start({ user })]);
    return new TestCluster(redis, nats, extraArgs, options);
  }

  private clusterArgs(): string[] {
    const user = this.options.credentials;
    const auth = user ? `${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@` : '';
    return ['--cluster.redis-url', `redis://${auth}127.0.0.1:${this.redis.port}`, '--cluster.nats-url', `nats://${auth}127.0.0.1:${this.nats.port}`, '--log.level', 'warn', ...(this.options.relaySecret === false ? [] : ['--relay.secret', this.relaySecret]), ...this.extraArgs];
  }

  async gateway(name: string, args: string[] = []): Promise<ClusterNode> {
    const [port, relayPort, opsPort] = [await freePort(), await freePort(), await freePort()];
    const node = await this.startNode(name, 'gateway', port, opsPort, [
      '--upstream.bind-addr', `127.0.0.1:${port}`,
      '--relay.bind-addr', `127.0.0.1:${relayPort}`,
      '--ops.bind-addr', `127.0.0.1:${opsPort}`,
      ...args,
    ]);
    node.relayPort = relayPort;
    return node;
  }

  async proxy(name: string, args: string[] = []): Promise<ClusterNode> {
    const [port, opsPort] = [await freePort(), await freePort()];
    return this.startNode(name, 'proxy', port, opsPort, ['--proxy.bind-addr', `127.0.0.1:${port}`, '--ops.bind-addr', `127.0.0.1:${opsPort}`, ...args]);
  }

  /**
   * A combined node, `piko server` with the cluster URLs: proxy (`port`), upstream
   * (`upstreamPort`), relay (`relayPort`) and admin (`opsPort`, which serves /ready) in one process.
   */
  async server(name: string, args: string[] = []): Promise<ClusterNode> {
    const [port, upstreamPort, relayPort, adminPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const node = await this.startNode(name, 'server', port, adminPort, [
      '--proxy.bind-addr', `127.0.0.1:${port}`,
      '--upstream.bind-addr', `127.0.0.1:${upstreamPort}`,
      '--relay.bind-addr', `127.0.0.1:${relayPort}`,
      '--admin.bind-addr', `127.0.0.1:${adminPort}`,
      ...args,
    ]);
    return Object.assign(node, { upstreamPort, relayPort });
  }

  async admin(name: string, args: string[] = []): Promise<ClusterNode> {
    const port = await freePort();
    return this.startNode(name, 'admin', port, port, ['--admin.bind-addr', `127.0.0.1:${port}`, ...args]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.process.stop('SIGKILL')));
    await Promise.all([this.redis.stop(), this.nats.stop()]);
  }

  private async startNode(name: string, role: string, port: number, opsPort: number, args: string[]): Promise<ClusterNode> {
    const process = ManagedProcess.start(name, 'node', [PIKO_BIN, role, ...this.clusterArgs(), ...args]);
    const opsCa = this.options.opsCa;
    const node: ClusterNode = { process, port, opsPort, url: `http://127.0.0.1:${port}`, opsUrl: `${opsCa ? 'https' : 'http'}://127.0.0.1:${opsPort}` };
    this.nodes.push(node);
    const ready = opsCa ? () => curlOk(`${node.opsUrl}/ready`, opsCa) : async () => (await fetch(`${node.opsUrl}/ready`)).ok;
    const awaitReady = this.options.awaitReady !== false;
    const answers = async () => (await fetch(`${node.opsUrl}/ready`).then(() => true, () => false));
    const what = `${name} ${awaitReady ? 'ready' : 'ops port answering'}`;
    await waitFor(what, async () => ((await (awaitReady ? ready() : answers())) ? true : undefined), 60_000, () => process.exitedBefore(what));
    return node;
  }
}

/** Whether curl, trusting `ca`, gets a 200 from `url`. */
function curlOk(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '--cacert', ca, url], (err, stdout) => resolve(!err && stdout === '200'));
  });
}
