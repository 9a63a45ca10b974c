/**
 * How much receive window to hand back to the peer, or 0 to wait.
 *
 * The window the peer may still use plus what sits unread in our buffer never exceeds `max`;
 * the delta restores that sum to `max`. Like Go's yamux we only send it once it is at least
 * half the window, so a fast reader costs one update per half window, not one per frame.
 */
export function windowUpdateDelta(max: number, buffered: number, recvWindow: number, force = false): number {
  const delta = max - buffered - recvWindow;
  if (delta <= 0) return 0;
  if (!force && delta < max / 2) return 0;
  return delta;
}
