import { RestartableServer, type ServerProgram } from './restartable-server';
import type { CertFiles } from './test-pki';

/** What a test's redis-server requires of its clients. */
export interface RedisServerOptions {
  /** The default user's password (`--requirepass`). */
  password?: string;
  /** An ACL user with every permission; the default user is then disabled. */
  user?: { name: string; password: string };
  /** TLS only (no plain port) with this certificate; clients are not asked for one. */
  tls?: CertFiles;
}

function redisProgram(options: RedisServerOptions): ServerProgram {
  const extra: string[] = [];
  if (options.password) extra.push('--requirepass', options.password);
  if (options.user) extra.push('--user', options.user.name, 'on', `>${options.user.password}`, '~*', '&*', '+@all', '--user', 'default', 'off');
  const auth = options.user ? `AUTH ${options.user.name} ${options.user.password}\r\n` : options.password ? `AUTH ${options.password}\r\n` : '';
  return {
    binary: 'redis-server',
    scheme: options.tls ? 'rediss' : 'redis',
    args: (port) => [
      ...(options.tls
        ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key, '--tls-auth-clients', 'no']
        : ['--port', String(port)]),
      '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra,
    ],
    probe: { send: `${auth}PING\r\n`, expect: auth ? '+OK' : '+PONG', tls: options.tls !== undefined },
  };
}

/**
 * A real redis-server on 127.0.0.1 and a free port, without persistence (a restart comes back
 * empty), optionally requiring a password, an ACL user or TLS.
 */
export class RedisServer extends RestartableServer {
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const { program, path, port } = await RestartableServer.launch(redisProgram(options));
    const server = new RedisServer(program, path, port);
    await server.waitReady();
    return server;
  }
}
