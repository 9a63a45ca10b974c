import type { Duplex } from 'node:stream';

/**
 * Joins two duplex streams without looking at the bytes: each one's readable side is piped into
 * the other's writable side, with backpressure. An end (FIN) on one side half-closes the other;
 * an error or an abrupt close (a reset) on either side destroys the other, so a reset travels on.
 * `onClose` runs once, after both streams closed, with the first error seen (if any).
 */
export function spliceStreams(a: Duplex, b: Duplex, onClose?: (err?: Error) => void): void {
  let firstError: Error | undefined;
  let open = 2;
  const join = (from: Duplex, to: Duplex): void => {
    from.on('error', (err: Error) => {
      firstError ??= err;
      to.destroy();
    });
    from.once('close', () => {
      // A stream that closes with both halves done ended cleanly and its partner finishes on its
      // own; anything else was cut short, and the partner must not wait for bytes that never come.
      if (!(from.readableEnded && from.writableFinished)) to.destroy();
      if (--open === 0) onClose?.(firstError);
    });
    from.pipe(to);
  };
  join(a, b);
  join(b, a);
}
