import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The responses each client connection is still owed, so that an answer the proxy writes on the
 * raw socket (a malformed pipelined request's 400) waits for them instead of landing inside one.
 * Node parses a pipelined request as soon as its bytes arrive, while an earlier response may
 * still be streaming; Go's server reads the next request only once the previous response is
 * done, so its 400 always follows whole responses. Keyed by the request's socket (a queued
 * pipelined response has no socket of its own yet); entries leave with their response's 'close'.
 */
export class OwedResponses {
  private readonly owed = new WeakMap<Duplex, Set<ServerResponse>>();

  /** Notes that `res` is owed on `socket` until it closes (finished or cut). */
  add(socket: Duplex, res: ServerResponse): void {
    let set = this.owed.get(socket);
    if (!set) {
      set = new Set();
      this.owed.set(socket, set);
    }
    set.add(res);
    res.once('close', () => set.delete(res));
  }

  /**
   * Runs `then` once every response owed on `socket` to a request read whole has closed; at once
   * when none is. Responses to a request still arriving are not waited for: an error on the
   * connection (a timeout) is about that very request.
   */
  afterComplete(socket: Duplex, then: () => void): void {
    const pending = [...(this.owed.get(socket) ?? [])].filter((res) => res.req.complete);
    if (pending.length === 0) return then();
    let left = pending.length;
    for (const res of pending) res.once('close', () => --left === 0 && then());
  }

  /** Whether a response owed on `socket` has begun (its head went out), so nothing may be written around it. */
  anyStarted(socket: Duplex): boolean {
    for (const res of this.owed.get(socket) ?? []) if (res.headersSent) return true;
    return false;
  }
}
