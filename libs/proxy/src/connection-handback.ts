import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';

/**
 * Gives a client connection back to Node's HTTP server after the proxy answered a declined
 * upgrade itself, so the next request on it is parsed, routed and sanitised like any other.
 *
 * Node's server detaches its parser and every listener from a socket before its 'upgrade' event
 * and reads nothing more from it; emitting 'connection' ('secureConnection' for HTTPS) again attaches a fresh parser, exactly as
 * for a new connection. `leftover` (bytes already read past the upgrade request: a pipelined next
 * request) is put back first, so it is parsed before anything still in the socket. Checked on
 * Node 20 with a pipelined request and with requests sent after the response
 * (tests/system/fidelity-upgrade.test.ts).
 *
 * Node arms `keepAliveTimeout` only after a response it wrote itself, so the same idle limit
 * (`idleTimeoutMs`, `proxy.http.idle_timeout`; 0 = none) is armed here until the next byte arrives.
 */
export function returnToHttpServer(server: Server, socket: Duplex, leftover: Buffer, idleTimeoutMs: number): void {
  if (leftover.length > 0) socket.unshift(leftover);
  // An HTTPS server's HTTP layer listens for 'secureConnection' ('connection' would start a new TLS handshake).
  server.emit(socket instanceof TLSSocket ? 'secureConnection' : 'connection', socket);
  if (idleTimeoutMs <= 0 || leftover.length > 0) return;
  // Registered after the server's own listeners, so its parser sees every byte first.
  const idle = setTimeout(() => socket.destroy(), idleTimeoutMs);
  const stop = (): void => {
    clearTimeout(idle);
    socket.off('data', stop);
    socket.off('close', stop);
  };
  socket.on('data', stop);
  socket.on('close', stop);
}
