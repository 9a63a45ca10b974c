// The baseline tunnel: OpenSSH remote forwarding (`ssh -R`), the tool people use when they do not
// have Piko. A private sshd (throwaway host and client keys in a temp dir, loopback only) plays
// the public server; `ssh -R` plays the agent behind NAT. Traffic: client -> sshd -> ssh -> upstream.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, log, waitForPort } from './processes.mjs';

const SSHD = process.env.BENCH_SSHD ?? '/usr/sbin/sshd';
const SSH = process.env.BENCH_SSH ?? '/usr/bin/ssh';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';

export class SshMissingError extends Error {
  constructor(what) {
    super(`${what} not found; install it with: apt-get install -y openssh-server openssh-client`);
    this.name = 'SshMissingError';
    this.code = 'SSH_MISSING';
  }
}

/**
 * Starts sshd and `ssh -R` forwarding 127.0.0.1:<port> (on the sshd side) to the upstream.
 * Returns { port, processes: [{name, pid, withDescendants}], stop() }.
 */
export async function startSshTunnel({ registry, tmpDir, upstreamPort }) {
  for (const bin of [SSHD, SSH, SSH_KEYGEN]) if (!existsSync(bin)) throw new SshMissingError(bin);
  const dir = join(tmpDir, 'ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, execFileSync(SSH_KEYGEN, ['-y', '-f', clientKey]), { mode: 0o600 });
  // sshd refuses to start without its privilege separation directory (normally made by systemd).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });

  const sshdPort = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${sshdPort}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'AllowTcpForwarding yes',
      'GatewayPorts no',
      'UseDNS no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );

  const sshd = registry.spawn('sshd', SSHD, ['-D', '-e', '-f', config]);
  await Promise.race([waitForPort(sshdPort, { what: 'sshd' }), registry.failOnExit(sshd)]);

  const port = await freePort();
  const sshArgs = [
    '-N',
    '-T',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ExitOnForwardFailure=yes',
    '-o', 'BatchMode=yes',
    '-o', 'LogLevel=ERROR',
    '-i', clientKey,
    '-p', String(sshdPort),
    '-R', `127.0.0.1:${port}:127.0.0.1:${upstreamPort}`,
    'root@127.0.0.1',
  ];
  log(`ssh: ${SSH} ${sshArgs.join(' ')}`);
  const ssh = registry.spawn('ssh', SSH, sshArgs);
  try {
    await Promise.race([waitForPort(port, { what: 'ssh -R forwarded port' }), registry.failOnExit(ssh)]);
  } catch (err) {
    await registry.stop(ssh);
    await registry.stop(sshd);
    throw err;
  }
  const cipher = negotiatedCipher();
  return {
    port,
    description: `ssh -R via sshd on 127.0.0.1:${sshdPort}${cipher ? ` (${cipher})` : ''}`,
    // sshd forks a process per session: that child does the forwarding, so count descendants.
    processes: [
      { name: 'sshd', pid: sshd.pid, withDescendants: true },
      { name: 'ssh', pid: ssh.pid },
    ],
    async stop() {
      await registry.stop(ssh);
      await registry.stop(sshd);
    },
  };
}

function negotiatedCipher() {
  // The default client cipher decides most of ssh's throughput; show it so figures can be compared.
  try {
    const ciphers = execFileSync(SSH, ['-G', '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const m = /^ciphers (\S+)/m.exec(ciphers);
    return m ? `ciphers ${m[1].split(',')[0]} first` : null;
  } catch {
    return null;
  }
}
