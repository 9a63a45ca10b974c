import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * How long a client connection stays half-closed after a response whose request body was not
 * read to its end, reading and discarding what the client still sends. Go's server waits the
 * same 500 ms (`rstAvoidanceDelay` in net/http/server.go, `closeWriteAndWait`).
 */
export const LINGER_MS = 500;

/**
 * Whether part of `req`'s body has yet to arrive. A request without Content-Length or
 * Transfer-Encoding has none (RFC 9112 §6.3); Node sets `complete` only once its parser reaches
 * the message's end, which for a body-less request is just after the 'request' event.
 */
export function bodyUnread(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Client connections answered with `Connection: close` (closeAfterResponse). */
const closing = new WeakSet<Duplex>();

/**
 * Whether the connection was answered with `Connection: close` while its request body was still
 * arriving: whatever request the parser finds behind that body must not be processed (RFC 9112
 * §9.6). The parser keeps running on the bytes read and dropped during the linger, so without
 * this check a request pipelined behind the unread body reached the service, and its answer was
 * lost with the connection (a client retrying a POST then ran it twice).
 */
export function closingAfterResponse(socket: Duplex): boolean {
  return closing.has(socket);
}

/**
 * Closes the client connection of `req` once its response is written, without the TCP reset
 * that would otherwise wipe that response from the client's view. Call it when the response was
 * sent with `Connection: close` before the request body was read to its end (an early answer to
 * an upload, or a final status instead of `100 Continue`).
 *
 * Node's server closes such a connection with `destroySoon()`: FIN, then close at once. With the
 * client still sending, the kernel answers those bytes with RST, and a client busy uploading may
 * see "connection reset" instead of the response it was sent. Go's server half-closes and waits
 * 500 ms (`closeWriteAndWait`); here the rest of the body is read and discarded meanwhile, and
 * the socket closes as soon as the client closes its side, or after `lingerMs` (ms).
 */
export function closeAfterResponse(req: IncomingMessage, lingerMs = LINGER_MS): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  closing.add(socket);
  // Keep the parser reading so the client's bytes are consumed, not left to trigger a reset.
  req.resume();
  socket.destroySoon = function lingeringClose(this: Socket): void {
    if (this.destroyed) return;
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', () => this.destroy());
    this.end();
  };
}

/**
 * Ends a client connection whose response the upstream cut short (it closed or reset before the
 * body's end): the head and every body byte already written go out, then FIN, so the client
 * sees the status and a truncated body (fewer bytes than Content-Length, or no last chunk), as
 * it would from the service directly. Destroying the socket instead would discard what is still
 * queued, the head included for a response of known length. The socket closes when the client
 * closes its side, or `lingerMs` (ms) after the last byte left.
 */
export function endCutShort(res: ServerResponse, lingerMs = LINGER_MS): void {
  const socket = res.socket;
  if (!socket || socket.destroyed || !res.headersSent || socket.writableEnded) {
    if (!socket?.writableEnded) res.destroy();
    return;
  }
  // A response of known length holds its head until the first body byte: send it now.
  res.flushHeaders();
  closeWhenClientDone(socket, lingerMs);
  socket.end();
}

/**
 * For a client socket we have ended (or are about to): it closes once the client closes its side,
 * or `lingerMs` (ms) after our last byte left. An HTTP server's sockets are half-open capable, so
 * without this a socket whose reading had stopped stayed open for good (its fd, and every
 * exchange on it, with it). The caller resumes reading if it had paused it, so the client's FIN
 * is seen.
 */
export function closeWhenClientDone(socket: Duplex, lingerMs = LINGER_MS): void {
  socket.once('end', () => socket.destroy());
  socket.once('finish', () => setTimeout(() => socket.destroy(), lingerMs).unref());
}
