import { connect, type Socket } from 'net';
import type { Duplex } from 'stream';
import type { HostPort } from './host-port';
import type { Logger } from './logger';
import { createCachedLookup } from './cached-lookup';

const lookup = createCachedLookup();

/**
 * Joins an accepted Piko stream to a new TCP connection to `target`, byte for byte.
 * Half-close travels both ways (FIN on one side ends the other's writable side only), and an
 * abortive close travels too: a reset or error on either side destroys the other, which the
 * multiplexer turns into a stream reset and the kernel into a TCP RST.
 */
export function forwardConnection(stream: Duplex, target: HostPort, logger: Logger): Socket {
  const socket = connect({ host: target.host, port: target.port, allowHalfOpen: true, lookup });
  socket.setNoDelay(true);
  let connected = false;

  socket.once('connect', () => {
    connected = true;
    stream.pipe(socket);
    socket.pipe(stream);
  });
  socket.once('error', (err: NodeJS.ErrnoException) => {
    if (!connected) {
      logger.warn('failed to dial upstream', { addr: `${target.host}:${target.port}`, err: err.message });
    } else {
      logger.debug('forwarded connection error', { err: err.message });
    }
    stream.destroy(err);
  });
  stream.once('error', (err: Error) => {
    logger.debug('stream error', { err: err.message });
    // A reset from the proxy side becomes a TCP reset, so the local service sees the abort.
    if (!socket.destroyed) socket.resetAndDestroy();
  });
  // A stream destroyed without an error (the listener shut down) must not leave the socket open.
  stream.once('close', () => {
    if (!socket.destroyed && !(stream.readableEnded && stream.writableFinished)) socket.destroy();
  });
  socket.once('close', () => {
    if (!stream.destroyed && !(socket.readableEnded && socket.writableFinished)) stream.destroy();
  });
  return socket;
}
