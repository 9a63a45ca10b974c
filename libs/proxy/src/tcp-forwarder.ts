import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { webSocketDuplex } from '@piko/protocol';

/** Go Piko's route for raw TCP over WebSocket (`piko forward`, `Dialer.dial`). */
export const TCP_ROUTE = /^\/_piko\/v1\/tcp\/([^/?]+)\/?(?:\?.*)?$/;

/**
 * Carries one client TCP connection: the client's WebSocket (binary messages as one byte stream)
 * is joined to a stream to the upstream, which the agent joins to its local TCP service. No
 * `proxy.timeout` applies: a TCP connection lives as long as its two ends want.
 */
export class TcpForwarder {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });

  forward(req: IncomingMessage, socket: Duplex, head: Buffer, stream: Duplex): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client = webSocketDuplex(ws);
      client.pipe(stream).pipe(client);
      const teardown = (err?: Error) => {
        client.destroy(err);
        stream.destroy(err);
      };
      client.once('error', teardown);
      stream.once('error', teardown);
      client.once('close', () => teardown());
      stream.once('close', () => teardown());
    });
  }
}
