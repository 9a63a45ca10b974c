import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, ManagedProcess, waitFor } from '@piko/testing';
import { tcpProbeOpen } from './system-tools';

const INSTALL = 'apt-get install -y --no-install-recommends postgresql postgresql-client';

/** The newest /usr/lib/postgresql/<version>/bin, or an error naming the package to install. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  if (versions.length === 0) throw new Error(`PostgreSQL server binaries not found under ${root}; install them with: ${INSTALL}`);
  versions.sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0], 'bin');
}

/**
 * A throwaway PostgreSQL cluster (initdb in a temp dir, trust auth, 127.0.0.1 on a free port,
 * its Unix socket in the temp dir). PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` system user through setpriv (which execs, so signals reach postgres itself).
 */
export class PostgresServer {
  private constructor(
    private readonly process: ManagedProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(port?: number): Promise<PostgresServer> {
    const bin = postgresBinDir();
    const dir = mkdtempSync(join(tmpdir(), 'piko-pg-'));
    const data = join(dir, 'data');
    const asRoot = userInfo().uid === 0;
    const runAs = (command: string, args: string[]): [string, string[]] =>
      asRoot ? ['setpriv', ['--reuid', 'postgres', '--regid', 'postgres', '--init-groups', '--', command, ...args]] : [command, args];
    if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    const [initCmd, initArgs] = runAs(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    execFileSync(initCmd, initArgs, { stdio: 'pipe' });
    port ??= await freePort();
    const [cmd, args] = runAs(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
    const process = ManagedProcess.start(`postgres:${port}`, cmd, args);
    const server = new PostgresServer(process, dir, port);
    await waitFor(`postgres on port ${port}`, async () => ((await tcpProbeOpen(port)) && /ready to accept connections/.test(process.logs) ? true : undefined), 30_000, () => process.exitedBefore('ready'));
    return server;
  }

  get logs(): string {
    return this.process.logs;
  }

  async stop(): Promise<void> {
    // SIGINT is PostgreSQL's "fast shutdown": it disconnects clients and exits at once.
    await this.process.stop('SIGINT');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
