import { RestartableServer, type ServerProgram } from './restartable-server';

const NATS: ServerProgram = {
  binary: 'nats-server',
  scheme: 'nats',
  args: (port) => ['-a', '127.0.0.1', '-p', String(port)],
  // A NATS server greets every connection with an INFO line.
  probe: { send: undefined, expect: 'INFO ' },
};

/** A real nats-server on 127.0.0.1 and a free port. */
export class NatsServer extends RestartableServer {
  static async start(): Promise<NatsServer> {
    const { program, path, port } = await RestartableServer.launch(NATS);
    const server = new NatsServer(program, path, port);
    await server.waitReady();
    return server;
  }
}
