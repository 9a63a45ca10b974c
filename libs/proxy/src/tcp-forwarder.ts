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
 *
 * Half-close passes through: the WebSocket carries FIN as an empty message (webSocketDuplex's
 * halfClose mode) and the upstream stream as a yamux FIN, so a client that shuts its write side
 * still gets the whole reply. An error or abrupt close on either side destroys the other (a
 * reset travels on); a side that closed cleanly (both directions ended) leaves the other to
 * flush what it still holds.
 */
export class TcpForwarder {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });

  forward(req: IncomingMessage, socket: Duplex, head: Buffer, stream: Duplex): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client = webSocketDuplex(ws, { halfClose: true });
      client.pipe(stream).pipe(client);
      const teardown = (err?: Error) => {
        client.destroy(err);
        stream.destroy(err);
      };
      client.once('error', teardown);
      stream.once('error', teardown);
      client.once('close', () => cleanlyClosed(client) || teardown());
      stream.once('close', () => cleanlyClosed(stream) || teardown());
    });
  }
}

function cleanlyClosed(side: Duplex): boolean {
  return side.readableEnded && side.writableFinished;
}
