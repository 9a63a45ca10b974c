// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer waits are re-armed.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Calls `onExpiry` at `at` (ms since the epoch), however far ahead, without keeping the process
 * alive. Never calls it synchronously (a time already past fires on the next timer tick), so a
 * caller can finish setting up what `onExpiry` tears down. Returns a function that cancels it.
 */
export function atTime(at: number, onExpiry: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const delay = Math.max(0, at - Date.now());
    timer = setTimeout(() => (Date.now() >= at ? onExpiry() : arm()), Math.min(delay, MAX_TIMEOUT_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
