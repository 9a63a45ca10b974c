import type { Socket } from 'net';

type WriteCallback = (err?: Error | null) => void;

/**
 * Keeps a socket readable after a write to it fails, and reports the failure once instead.
 *
 * A service that answers an upload from its headers (401, 413) and closes without reading the
 * rest makes the next write fail with EPIPE or ECONNRESET, often before its answer, already in
 * the kernel's receive buffer, has been read. Node destroys a socket on a failed write, which
 * throws that answer away (the kernel would still hand it over: `recv` after the reset returns
 * it). Here the socket's own write callbacks (`_write`, `_writev`, `_final`, the Writable
 * implementer methods) see the error instead of the stream machinery: the socket stays open for
 * reading, `onWriteError` runs once, and every later write is discarded, so the caller decides
 * what to do with the rest of the request while the response is read to its end.
 */
export function tolerateWriteErrors(socket: Socket, onWriteError: (err: Error) => void): void {
  let failed = false;
  const wrap = (done: WriteCallback): WriteCallback => (err) => {
    if (!err) return done();
    if (!failed) {
      failed = true;
      onWriteError(err);
    }
    done();
  };
  const target = socket as unknown as Record<'_write' | '_writev' | '_final', (...args: unknown[]) => void>;
  for (const method of ['_write', '_writev', '_final'] as const) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = function (this: Socket, ...args: unknown[]): void {
      const done = args[args.length - 1] as WriteCallback;
      // The service stopped reading: what is still written goes nowhere, at once.
      if (failed && method !== '_final') return done();
      args[args.length - 1] = wrap(done);
      original.apply(this, args);
    };
  }
}
