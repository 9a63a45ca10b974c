/**
 * Delay before reconnect attempt `attempt` (0-based): capped exponential backoff with *equal
 * jitter*. The cap grows as `min * 2^attempt` up to `max`; the delay is uniform in
 * `[cap / 2, cap]`. Equal jitter (rather than full jitter) keeps a floor under the delay so a
 * fleet of agents reconnecting after a gateway restart never hammers it with near-zero waits,
 * while still spreading them out.
 */
export function backoffDelay(
  attempt: number,
  min: number,
  max: number,
  random: () => number = Math.random,
): number {
  // Clamp the exponent: 2^31 and beyond are far past any sane max anyway.
  const cap = Math.min(max, min * 2 ** Math.min(Math.max(attempt, 0), 30));
  return cap / 2 + random() * (cap / 2);
}
