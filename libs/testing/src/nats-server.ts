import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestartableServer, type ServerProgram } from './restartable-server';
import type { CertFiles } from './test-pki';

/** What a test's nats-server requires of its clients. */
export interface NatsServerOptions {
  /** A user and password (`--user`/`--pass`). */
  user?: { name: string; password: string };
  /** A token (`--auth`). */
  token?: string;
  /** An NKey user's public key ('U…'): only a client signing with its seed gets in. */
  nkey?: string;
  /** TLS with this certificate (clients must then speak TLS). */
  tls?: CertFiles;
  /**
   * Operator (JWT) mode: the operator's JWT and the accounts' JWTs by public key, served from
   * memory (`resolver: MEMORY`); only clients with a user JWT those accounts signed get in.
   */
  operator?: { jwt: string; accounts: Record<string, string> };
}

function natsProgram(options: NatsServerOptions): ServerProgram {
  const extra: string[] = [];
  if (options.user) extra.push('--user', options.user.name, '--pass', options.user.password);
  if (options.token) extra.push('--auth', options.token);
  if (options.tls) extra.push('--tls', '--tlscert', options.tls.cert, '--tlskey', options.tls.key);
  if (options.nkey) {
    const dir = mkdtempSync(join(tmpdir(), 'piko-nats-'));
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, `authorization { users = [ { nkey: ${options.nkey} } ] }\n`);
    extra.push('-c', conf);
  }
  if (options.operator) {
    const dir = mkdtempSync(join(tmpdir(), 'piko-nats-'));
    const operatorFile = join(dir, 'operator.jwt');
    writeFileSync(operatorFile, options.operator.jwt);
    const preload = Object.entries(options.operator.accounts).map(([key, jwt]) => `  ${key}: ${jwt}`).join('\n');
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, `operator: ${operatorFile}\nresolver: MEMORY\nresolver_preload: {\n${preload}\n}\n`);
    extra.push('-c', conf);
  }
  return {
    binary: 'nats-server',
    scheme: 'nats',
    args: (port) => ['-a', '127.0.0.1', '-p', String(port), ...extra],
    // A NATS server greets every connection with an INFO line (in clear text, TLS or not).
    probe: { send: undefined, expect: 'INFO ' },
  };
}

/** A real nats-server on 127.0.0.1 and a free port, optionally requiring credentials or TLS. */
export class NatsServer extends RestartableServer {
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const { program, path, port } = await RestartableServer.launch(natsProgram(options));
    const server = new NatsServer(program, path, port);
    await server.waitReady();
    return server;
  }
}
