import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * Opens a TCP connection, optionally writes `send`, and resolves with the first bytes received
 * (rejects if the connection fails or nothing arrives within timeoutMs). With `tls`, over TLS
 * (the server's certificate is not verified: this only asks whether the server is up).
 */
export function tcpProbe(port: number, send: string | undefined, timeoutMs = 1_000, tls = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    const timer = setTimeout(() => finish(new Error(`no reply on port ${port} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | undefined, reply?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply ?? '');
    };
    socket.once('error', (err) => finish(err));
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      if (send !== undefined) socket.write(send);
    });
    socket.once('data', (chunk: Buffer) => finish(undefined, chunk.toString()));
  });
}
