import { Agent, request } from 'node:http';

/** A response's status code and its body as UTF-8 text. */
export interface Answer {
  status: number;
  body: string;
}

/**
 * HTTP clients at chosen source addresses on loopback (all of 127.0.0.0/8 is), so a test can play an
 * attacker and another client that Piko tells apart by address. One keep-alive Agent per address:
 * binding a fresh socket per request would let the kernel pick a local port whose previous connection
 * is still in TIME_WAIT (libuv binds with SO_REUSEADDR), and a few of those fail on loopback under load,
 * directly as through Piko. Call `destroy()` in `afterAll`.
 */
export class LoopbackClients {
  private readonly agents = new Map<string, Agent>();

  /**
   * One GET of `path` to `127.0.0.1:port` from `localAddress` with `x-piko-endpoint: endpointId`.
   * Rejects on a socket error, never on an HTTP status.
   */
  send(port: number, endpointId: string, path: string, localAddress: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, agent: this.agentFor(localAddress), headers: { 'x-piko-endpoint': endpointId } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.once('error', reject);
        },
      );
      req.once('error', reject);
      req.end();
    });
  }

  /** Closes every kept connection of every address. */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(localAddress: string): Agent {
    let agent = this.agents.get(localAddress);
    if (!agent) this.agents.set(localAddress, (agent = new Agent({ keepAlive: true, localAddress })));
    return agent;
  }
}
