import { STATUS_CODES } from 'http';

/**
 * A complete HTTP/1.1 response with a JSON body, written straight to a stream that carries no
 * HTTP server: the agent's own answers (400, 502, 504) when the local service cannot give one.
 * `Connection: close`, since the agent ends the stream right after it.
 */
export function rawHttpResponse(status: number, body: string): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
