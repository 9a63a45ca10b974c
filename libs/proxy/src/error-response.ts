import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { errorBody } from '@piko/protocol';
import { bodyUnread, closeAfterResponse, closeWhenClientDone } from './unread-body';

/**
 * Answers with Go Piko's JSON error body, e.g. 502 `{"error":"no available upstreams"}`. When the
 * request's body has not all arrived (an upload answered with an error), the answer carries
 * `Connection: close` and the connection closes after it without reading the rest, as Go's server
 * does for a body over its 256 KiB post-handler read (see closeAfterResponse); Node would
 * otherwise read and discard the whole upload first.
 */
export function sendError(res: ServerResponse, status: number, message: string): void {
  pikoAnswers.set(res, { status, cause: message });
  if (res.headersSent) {
    // Part of a response already went out: the only honest signal left is to cut the connection.
    res.destroy();
    return;
  }
  const body = errorBody(message);
  const unread = res.req !== undefined && bodyUnread(res.req);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(body),
    ...(unread ? { connection: 'close' } : {}),
  });
  if (unread) closeAfterResponse(res.req);
  res.end(body);
}

/** Responses Piko answered itself (sendError), for traffic inspection's `error`. */
const pikoAnswers = new WeakMap<ServerResponse, { status: number; cause: string }>();

/** The error Piko answered `res` with itself (sendError), if it did: its status and message. */
export function pikoAnswer(res: ServerResponse): { status: number; cause: string } | undefined {
  return pikoAnswers.get(res);
}

/**
 * The same error, written raw on a socket that has no ServerResponse (an upgrade, a malformed
 * request, CONNECT), then the connection closes: once the client closes its side, or 500 ms
 * later, what it still sends read and dropped (closeWhenClientDone). Nothing else reads such a
 * socket, and a server's sockets stay half-open otherwise, holding the fd and whatever exchange
 * is tied to it.
 */
export function sendRawError(socket: Duplex, status: number, message: string): void {
  // A client that resets before reading the answer makes the write fail; nothing else listens on
  // an upgrade's socket, and an unhandled 'error' would end the process.
  socket.on('error', () => undefined);
  const body = errorBody(message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\n` +
      `x-content-type-options: nosniff\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  closeWhenClientDone(socket);
  socket.resume();
}
