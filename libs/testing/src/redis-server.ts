import { RestartableServer, type ServerProgram } from './restartable-server';

const REDIS: ServerProgram = {
  binary: 'redis-server',
  scheme: 'redis',
  args: (port) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  probe: { send: 'PING\r\n', expect: '+PONG' },
};

/** A real redis-server on 127.0.0.1 and a free port, without persistence (a restart comes back empty). */
export class RedisServer extends RestartableServer {
  static async start(): Promise<RedisServer> {
    const { program, path, port } = await RestartableServer.launch(REDIS);
    const server = new RedisServer(program, path, port);
    await server.waitReady();
    return server;
  }
}
