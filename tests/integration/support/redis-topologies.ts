import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess, waitFor } from '@piko/testing';

/** A port that is free, as is port + 10000 (a Redis Cluster node's bus port). */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function redisCli(args: string[]): string {
  return execFileSync('redis-cli', args, { encoding: 'utf8' });
}

/** An ACL user with every permission that the nodes require (their default user is off). */
export interface RedisAclUser {
  name: string;
  password: string;
}

/** redis-server arguments: `user` on with every permission, the default user off. */
function aclArgs(user: RedisAclUser | undefined): string[] {
  return user ? ['--user', user.name, 'on', `>${user.password}`, '~*', '&*', '+@all', '--user', 'default', 'off'] : [];
}

/** redis-cli arguments authenticating as `user`. */
function cliAuth(user: RedisAclUser | undefined): string[] {
  return user ? ['--user', user.name, '--pass', user.password, '--no-auth-warning'] : [];
}

/** `user:password@` for a URL, percent-encoded. */
function urlAuth(user: RedisAclUser | undefined): string {
  return user ? `${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@` : '';
}

/** Real Redis topologies for the registry's tests: a 3-master Redis Cluster, or a master watched by a Sentinel. */
export class RedisTopology {
  private constructor(
    readonly url: string,
    private readonly processes: ManagedProcess[],
    private readonly dir: string,
  ) {}

  /** `user`: every node requires this ACL user (the URL carries it). */
  static async cluster(masters = 3, user?: RedisAclUser): Promise<RedisTopology> {
    const dir = mkdtempSync(join(tmpdir(), 'piko-redis-cluster-'));
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freeClusterPort());
    const processes = ports.map((port) =>
      ManagedProcess.start(`redis-cluster-${port}`, 'redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, ...aclArgs(user),
      ]),
    );
    const auth = cliAuth(user);
    for (const port of ports) await waitFor(`redis ${port}`, () => (redisCli([...auth, '-p', String(port), 'ping']).trim() === 'PONG' ? true : undefined));
    redisCli([...auth, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor('cluster_state:ok', () => (ports.every((p) => redisCli([...auth, '-p', String(p), 'cluster', 'info']).includes('cluster_state:ok')) ? true : undefined), 20_000);
    return new RedisTopology(`redis+cluster://${urlAuth(user)}${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, processes, dir);
  }

  /** `user`: the master requires this ACL user (the URL carries it; the sentinel itself has no auth). */
  static async sentinel(user?: RedisAclUser): Promise<RedisTopology> {
    const dir = mkdtempSync(join(tmpdir(), 'piko-redis-sentinel-'));
    const [masterPort, sentinelPort] = [await freeClusterPort(), await freeClusterPort()];
    const master = ManagedProcess.start('redis-master', 'redis-server', ['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...aclArgs(user)]);
    await waitFor('redis master', () => (redisCli([...cliAuth(user), '-p', String(masterPort), 'ping']).trim() === 'PONG' ? true : undefined));
    const config = join(dir, 'sentinel.conf');
    // The sentinel authenticates to the master it watches as the same user.
    const sentinelAuth = user ? `sentinel auth-user mymaster ${user.name}\nsentinel auth-pass mymaster ${user.password}\n` : '';
    writeFileSync(config, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${masterPort} 1\n${sentinelAuth}`);
    const sentinel = ManagedProcess.start('redis-sentinel', 'redis-server', [config, '--sentinel']);
    await waitFor('sentinel knows the master', () =>
      redisCli(['-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', 'mymaster']).includes(String(masterPort)) ? true : undefined,
    );
    return new RedisTopology(`redis+sentinel://${urlAuth(user)}127.0.0.1:${sentinelPort}/mymaster`, [master, sentinel], dir);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
