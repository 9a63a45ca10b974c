/**
 * Polls `check` every 25 ms until it returns a value (not undefined) or `timeoutMs` runs out; an
 * error `check` throws counts as "not yet" and is named in the timeout's message. `giveUp`, asked
 * before each poll, ends the wait at once with the error it returns (a server that exited will not
 * start answering).
 *
 * @throws Error when the time runs out, or `giveUp`'s error.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  giveUp?: () => Error | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const fatal = giveUp?.();
    if (fatal) throw fatal;
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
