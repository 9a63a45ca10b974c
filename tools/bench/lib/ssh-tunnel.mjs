// The baseline tunnel: OpenSSH remote forwarding (`ssh -R`), the tool people use when they do not
// have Piko. A private sshd (throwaway host and client keys in a temp dir, loopback only) plays
// the public server; `ssh -R` plays the agent behind NAT. Traffic: client -> sshd -> ssh -> upstream.
// The TCP suite's baseline is `ssh -L` (client -> ssh -> sshd -> service) through the same sshd setup.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
 * Starts a private sshd on a free loopback port with throwaway host and client keys (in a fresh
 * directory under `tmpDir`). Returns { port, clientKey, handle, stop() }.
 */
export async function startSshd({ registry, tmpDir, name = 'sshd' }) {
  for (const bin of [SSHD, SSH, SSH_KEYGEN]) if (!existsSync(bin)) throw new SshMissingError(bin);
  mkdirSync(tmpDir, { recursive: true });
  // A directory per sshd: ssh-keygen will not overwrite the keys of an earlier one.
  const dir = mkdtempSync(join(tmpDir, 'ssh-'));
  chmodSync(dir, 0o700);
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, execFileSync(SSH_KEYGEN, ['-y', '-f', clientKey]), { mode: 0o600 });
  // sshd refuses to start without its privilege separation directory (normally made by systemd).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });

  const port = await freePort();
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
      'AllowTcpForwarding yes',
      'GatewayPorts no',
      'UseDNS no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );

  const handle = registry.spawn(name, SSHD, ['-D', '-e', '-f', config]);
  await Promise.race([waitForPort(port, { what: name }), registry.failOnExit(handle)]);
  return { port, clientKey, handle, stop: () => registry.stop(handle) };
}

/**
 * `ssh -N` to `sshd` with the given forwarding flags (e.g. ['-R', '127.0.0.1:P:127.0.0.1:U'] or
 * ['-L', ...]); resolves once every port in `waitPorts` accepts on 127.0.0.1. Returns the handle.
 */
export async function startSshClient({ registry, sshd, forwardArgs, waitPorts, name = 'ssh' }) {
  const sshArgs = [
    '-N',
    '-T',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ExitOnForwardFailure=yes',
    '-o', 'BatchMode=yes',
    '-o', 'LogLevel=ERROR',
    '-i', sshd.clientKey,
    '-p', String(sshd.port),
    ...forwardArgs,
    'root@127.0.0.1',
  ];
  log(`${name}: ${SSH} ${sshArgs.join(' ')}`);
  const handle = registry.spawn(name, SSH, sshArgs);
  try {
    for (const port of waitPorts) await Promise.race([waitForPort(port, { what: `${name} forwarded port ${port}` }), registry.failOnExit(handle)]);
  } catch (err) {
    await registry.stop(handle);
    throw err;
  }
  return handle;
}

/**
 * `ssh -L` from free local ports to each of `targetPorts` (127.0.0.1) through a private sshd:
 * client -> ssh -> (ssh channel) -> sshd -> target. Returns { ports, processes, description, stop() }.
 */
export async function startSshLocalForward({ registry, tmpDir, targetPorts }) {
  const ports = [];
  for (let i = 0; i < targetPorts.length; i++) ports.push(await freePort());
  const forwardArgs = targetPorts.flatMap((target, i) => ['-L', `127.0.0.1:${ports[i]}:127.0.0.1:${target}`]);
  const tunnel = await startForwarding({ registry, tmpDir, forwardArgs, ports, name: 'ssh-L', kind: 'ssh -L' });
  return { ports, ...tunnel };
}

/**
 * Starts sshd and `ssh -R` forwarding 127.0.0.1:<port> (on the sshd side) to the upstream.
 * Returns { port, processes: [{name, pid, withDescendants}], stop() }.
 */
export async function startSshTunnel({ registry, tmpDir, upstreamPort }) {
  const port = await freePort();
  const forwardArgs = ['-R', `127.0.0.1:${port}:127.0.0.1:${upstreamPort}`];
  const tunnel = await startForwarding({ registry, tmpDir, forwardArgs, ports: [port], name: 'ssh', kind: 'ssh -R' });
  return { port, ...tunnel };
}

/** A private sshd plus one ssh client with the given forwards, waited for until `ports` accept. */
async function startForwarding({ registry, tmpDir, forwardArgs, ports, name, kind }) {
  const sshd = await startSshd({ registry, tmpDir });
  let ssh;
  try {
    ssh = await startSshClient({ registry, sshd, forwardArgs, waitPorts: ports, name });
  } catch (err) {
    await sshd.stop();
    throw err;
  }
  const cipher = negotiatedCipher();
  return {
    description: `${kind} via sshd on 127.0.0.1:${sshd.port}${cipher ? ` (${cipher})` : ''}`,
    // sshd forks a process per session: that child does the forwarding, so count descendants.
    processes: [
      { name: 'sshd', pid: sshd.handle.pid, withDescendants: true },
      { name: 'ssh', pid: ssh.pid },
    ],
    async stop() {
      await registry.stop(ssh);
      await sshd.stop();
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
