import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, ManagedProcess, waitFor } from '@piko/testing';
import { requireTool, tcpProbeOpen } from './system-tools';

/**
 * A private sshd for one test file (ported from tools/bench/lib/ssh-tunnel.mjs): throwaway host
 * and client keys in a temp dir, key auth only, 127.0.0.1 on a free port. `sshArgs(port)` are
 * the client arguments that log in as the current user through any port that reaches it.
 */
export class SshServer {
  private constructor(
    private readonly process: ManagedProcess,
    private readonly dir: string,
    private readonly clientKey: string,
    readonly port: number,
  ) {}

  static async start(port?: number): Promise<SshServer> {
    const sshd = requireTool('sshd', 'openssh-server');
    const keygen = requireTool('ssh-keygen', 'openssh-client');
    requireTool('ssh', 'openssh-client');
    const dir = mkdtempSync(join(tmpdir(), 'piko-sshd-'));
    const hostKey = join(dir, 'host_ed25519');
    const clientKey = join(dir, 'client_ed25519');
    execFileSync(keygen, ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    execFileSync(keygen, ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
    const authorizedKeys = join(dir, 'authorized_keys');
    writeFileSync(authorizedKeys, execFileSync(keygen, ['-y', '-f', clientKey]), { mode: 0o600 });
    // sshd refuses to start without its privilege separation directory (normally made by systemd).
    if (userInfo().uid === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
    port ??= await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        'ListenAddress 127.0.0.1',
        `Port ${port}`,
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'StrictModes no',
        'UsePAM no',
        'UseDNS no',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    const process = ManagedProcess.start(`sshd:${port}`, sshd, ['-D', '-e', '-f', config]);
    await waitFor(`sshd on port ${port}`, async () => ((await tcpProbeOpen(port)) ? true : undefined), 10_000, () => process.exitedBefore('listening'));
    return new SshServer(process, dir, clientKey, port);
  }

  /** `ssh` arguments (before the remote command) to log in through 127.0.0.1:`port`. */
  sshArgs(port: number): string[] {
    return [
      '-T',
      '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'BatchMode=yes',
      '-o', 'LogLevel=ERROR',
      '-i', this.clientKey,
      '-p', String(port),
      `${userInfo().username}@127.0.0.1`,
    ];
  }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
