import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from '@piko/protocol';
import type { AuthError } from './auth-error';

// RFC 9110 §11.6.1: a 401 carries WWW-Authenticate; RFC 6750 §3 names the Bearer scheme. Go Piko
// sends none; clients that ignore it are unaffected.
const CHALLENGE = 'Bearer';

/** Answers a refused request with Go Piko's status and JSON body, e.g. 401 `{"error":"invalid token"}`. */
export function sendAuthError(res: ServerResponse, error: AuthError): void {
  const body = errorBody(error.message);
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'www-authenticate': CHALLENGE,
  });
  res.end(body);
}

/** The same answer written raw on an upgrade's socket (no ServerResponse exists), then closed. */
export function sendRawAuthError(socket: Duplex, error: AuthError): void {
  // A client that resets before reading the answer makes the write fail; nothing else listens on
  // an upgrade's socket, and an unhandled 'error' would end the process.
  socket.on('error', () => undefined);
  const body = errorBody(error.message);
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nwww-authenticate: ${CHALLENGE}\r\nconnection: close\r\n\r\n${body}`,
  );
}
