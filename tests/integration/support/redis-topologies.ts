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

/** Real Redis topologies for the registry's tests: a 3-master Redis Cluster, or a master watched by a Sentinel. */
export class RedisTopology {
  private constructor(
    readonly url: string,
    private readonly processes: ManagedProcess[],
    private readonly dir: string,
  ) {}

  static async cluster(masters = 3): Promise<RedisTopology> {
    const dir = mkdtempSync(join(tmpdir(), 'piko-redis-cluster-'));
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freeClusterPort());
    const processes = ports.map((port) =>
      ManagedProcess.start(`redis-cluster-${port}`, 'redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
      ]),
    );
    for (const port of ports) await waitFor(`redis ${port}`, () => (redisCli(['-p', String(port), 'ping']).trim() === 'PONG' ? true : undefined));
    redisCli(['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor('cluster_state:ok', () => (ports.every((p) => redisCli(['-p', String(p), 'cluster', 'info']).includes('cluster_state:ok')) ? true : undefined), 20_000);
    return new RedisTopology(`redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, processes, dir);
  }

  static async sentinel(): Promise<RedisTopology> {
    const dir = mkdtempSync(join(tmpdir(), 'piko-redis-sentinel-'));
    const [masterPort, sentinelPort] = [await freeClusterPort(), await freeClusterPort()];
    const master = ManagedProcess.start('redis-master', 'redis-server', ['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
    await waitFor('redis master', () => (redisCli(['-p', String(masterPort), 'ping']).trim() === 'PONG' ? true : undefined));
    const config = join(dir, 'sentinel.conf');
    writeFileSync(config, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${masterPort} 1\n`);
    const sentinel = ManagedProcess.start('redis-sentinel', 'redis-server', [config, '--sentinel']);
    await waitFor('sentinel knows the master', () =>
      redisCli(['-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', 'mymaster']).includes(String(masterPort)) ? true : undefined,
    );
    return new RedisTopology(`redis+sentinel://127.0.0.1:${sentinelPort}/mymaster`, [master, sentinel], dir);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
