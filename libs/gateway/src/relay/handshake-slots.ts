import type net from 'node:net';

/** Which limit made a connection lose its slot. */
export type SlotEviction = 'address_limit' | 'total_limit';

/**
 * The relay port's handshake slots: every TCP connection holds one from its arrival until its
 * handshake (TLS, then the relay's own) succeeds or it closes. At most `max` at once
 * (`relay.max_handshakes`), and at most `maxPerAddress` from one remote address
 * (`relay.max_handshakes_per_address`).
 *
 * A newcomer is never refused: it evicts the connection that has waited longest, from its own
 * address when that address is at its limit, else from all. A proxy finishes its handshake
 * within a few round trips, so connections holding slots without finishing are the oldest: an
 * attack trial held all 256 slots with idle connections, renewed as each timed out, and every
 * proxy that had to reconnect was refused for as long as it lasted. Now the proxy's connection
 * takes the place of the oldest idle one and finishes long before the attacker could cycle every
 * slot ahead of it; the per-address limit keeps one address to its share, so it cannot cycle
 * other addresses' slots at all until `max` is reached.
 */
export class HandshakeSlots {
  /** TCP sockets in the handshake, oldest first (Sets keep insertion order), with their address. */
  private readonly holders = new Map<net.Socket, string>();
  private readonly byAddress = new Map<string, Set<net.Socket>>();

  /**
   * @param max `relay.max_handshakes` (≥ 1)
   * @param maxPerAddress `relay.max_handshakes_per_address` (≥ 1)
   * @param onEvicted called for each connection evicted, before it is destroyed here
   */
  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
    private readonly onEvicted: (socket: net.Socket, why: SlotEviction) => void,
  ) {}

  /** Connections in the handshake now. */
  get size(): number {
    return this.holders.size;
  }

  /**
   * Gives `socket` (just accepted) a slot, evicting the longest waiting holder of its address, or
   * of all, when a limit is reached. The slot is freed by release() or when the socket closes.
   */
  acquire(socket: net.Socket): void {
    const address = socket.remoteAddress ?? '';
    const mine = this.byAddress.get(address);
    if (mine && mine.size >= this.maxPerAddress) this.evict(first(mine), 'address_limit');
    else if (this.holders.size >= this.max) this.evict(first(this.holders.keys()), 'total_limit');
    this.holders.set(socket, address);
    if (mine) mine.add(socket);
    else this.byAddress.set(address, new Set([socket]));
    socket.once('close', () => void this.release(socket));
  }

  /** Frees `socket`'s slot (its handshake succeeded, or it closed); false when it held none (evicted). */
  release(socket: net.Socket): boolean {
    const address = this.holders.get(socket);
    if (address === undefined) return false;
    this.holders.delete(socket);
    const mine = this.byAddress.get(address);
    mine?.delete(socket);
    if (mine?.size === 0) this.byAddress.delete(address);
    return true;
  }

  /** Closes every connection still in the handshake. */
  destroyAll(): void {
    for (const socket of [...this.holders.keys()]) socket.destroy();
  }

  private evict(socket: net.Socket, why: SlotEviction): void {
    this.release(socket);
    this.onEvicted(socket, why);
    socket.destroy();
  }
}

function first(sockets: Iterable<net.Socket>): net.Socket {
  for (const socket of sockets) return socket;
  throw new Error('no socket to evict');
}
