import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_WEBSOCKET_MESSAGE_BYTES, webSocketDuplex } from '@piko/protocol';

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
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES });

  /**
   * `done` runs once both sides closed (or at once, if the WebSocket handshake was refused), for
   * the access log.
   */
  forward(req: IncomingMessage, socket: Duplex, head: Buffer, stream: Duplex, done?: (outcome: TcpOutcome) => void): void {
    // ws answers a request that is not a valid WebSocket handshake (400) and never calls back.
    const refused = (): void => {
      stream.destroy();
      done?.({ bytesIn: 0, bytesOut: 0, closeReason: 'refused: not a websocket handshake' });
    };
    socket.once('close', refused);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', refused);
      // Wrapped here, inside the handshake's callback: bytes the client sent right behind its request become messages on the next tick.
      const client = webSocketDuplex(ws, { halfClose: true });
      const outcome: TcpOutcome = { bytesIn: 0, bytesOut: 0, closeReason: '' };
      client.on('data', (chunk: Buffer) => (outcome.bytesIn += chunk.length));
      stream.on('data', (chunk: Buffer) => (outcome.bytesOut += chunk.length));
      client.pipe(stream).pipe(client);
      let ended = '';
      client.once('end', () => (ended ||= 'client closed'));
      stream.once('end', () => (ended ||= 'upstream closed'));
      const teardown = (side: string) => (err?: Error) => {
        if (err) outcome.closeReason ||= `${side} error: ${err.message}`;
        client.destroy(err);
        stream.destroy(err);
      };
      client.once('error', teardown('client'));
      stream.once('error', teardown('upstream'));
      let open = 2;
      const closed = (side: Duplex, name: string) => (): void => {
        if (!cleanlyClosed(side)) {
          outcome.closeReason ||= `${name} reset`;
          teardown(name)();
        }
        if (--open === 0) done?.({ ...outcome, closeReason: outcome.closeReason || ended || 'closed' });
      };
      client.once('close', closed(client, 'client'));
      stream.once('close', closed(stream, 'upstream'));
    });
  }
}

/** How one TCP connection through the proxy ended, for the access log. */
export interface TcpOutcome {
  /** Bytes from the client to the upstream (payload, not WebSocket framing). */
  bytesIn: number;
  /** Bytes from the upstream to the client. */
  bytesOut: number;
  /** The first error or reset, else which side closed first, e.g. `client closed`, `upstream error: ...`. */
  closeReason: string;
}

function cleanlyClosed(side: Duplex): boolean {
  return side.readableEnded && side.writableFinished;
}
