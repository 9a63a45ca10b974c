import { connect, type Socket } from 'node:net';
import { LoopbackTcpServer } from './loopback-tcp-server';

/**
 * A round-robin TCP load balancer on loopback: what a Kubernetes Service is to agents. Agents
 * given its address reconnect to whichever gateway is next, so go-away can move them.
 */
export class TcpBalancer extends LoopbackTcpServer {
  private next = 0;

  constructor(private readonly targets: () => number[]) {
    super();
  }

  protected accept(client: Socket): void {
    const ports = this.targets();
    const port = ports[this.next++ % ports.length];
    const upstream = connect(port, '127.0.0.1');
    this.track(upstream);
    for (const socket of [client, upstream]) {
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
