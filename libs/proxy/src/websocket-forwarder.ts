import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { forwardedRequestHeaders } from './forwarded-headers';

/**
 * Passes a WebSocket (or any HTTP upgrade) through: the request head is written to the upstream
 * stream as is (plus forwarding headers) and from then on bytes are spliced both ways, so the
 * upstream's 101 and every frame after it reach the client unparsed. No `proxy.timeout` here:
 * an upgraded connection lives as long as its two ends want.
 */
export function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, stream: Duplex, tls: boolean): void {
  const headers = forwardedRequestHeaders(req, tls, true);
  let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  stream.write(`${text}\r\n`);
  if (head.length > 0) stream.write(head);

  socket.pipe(stream).pipe(socket);
  // An error or reset on either side ends both; 'close' covers ends without an error.
  const teardown = () => {
    socket.destroy();
    stream.destroy();
  };
  socket.on('error', teardown);
  stream.on('error', teardown);
  socket.on('close', teardown);
  stream.on('close', teardown);
}
