import type { Server } from 'http';
import type { Duplex } from 'stream';
import type { Listener } from './listener';

/**
 * Hands every connection accepted by `listener` to `server`, exactly as if the server had
 * accepted it on a port: `serveHttp(await upstream.listen('my-endpoint'), http.createServer(app))`.
 * The server need not (and should not) listen on a port. Returns a function that detaches it.
 */
export function serveHttp(listener: Listener, server: Server): () => void {
  const onConnection = (stream: Duplex): void => {
    server.emit('connection', stream);
  };
  listener.on('connection', onConnection);
  return () => listener.off('connection', onConnection);
}
