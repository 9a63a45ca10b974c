import type { NodeInfo, RegistrySnapshot } from '@piko/cluster';

/** A node as last seen in the registry. */
export interface SeenNode {
  info: NodeInfo;
  /** Unix ms of its last heartbeat, when the registry tells. */
  heartbeatAt?: number;
  /** Unix ms when this admin node first found it gone; undefined while live. */
  leftAt?: number;
}

/**
 * Remembers nodes that left: the registry forgets a node the moment its lease ends, but an
 * operator wants to see that `gateway-x` left a minute ago. Fed by every registry snapshot this
 * admin node reads (API calls and the rate poller's ticks); a node missing from a snapshot is
 * marked left, and forgotten `retentionMs` later. Holds at most the nodes seen within the
 * retention, so it is bounded by the cluster's churn.
 */
export class NodeHistory {
  private readonly nodes = new Map<string, SeenNode>();

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  observe(snapshot: RegistrySnapshot): void {
    const now = this.now();
    for (const [id, info] of snapshot.nodes) {
      this.nodes.set(id, { info, heartbeatAt: snapshot.heartbeats?.get(id) });
    }
    for (const [id, seen] of this.nodes) {
      if (snapshot.nodes.has(id)) continue;
      if (seen.leftAt === undefined) seen.leftAt = now;
      if (now - seen.leftAt >= this.retentionMs) this.nodes.delete(id);
    }
  }

  /** Nodes that left within the retention, by ID. */
  left(): SeenNode[] {
    return [...this.nodes.values()].filter((seen) => seen.leftAt !== undefined);
  }

  get(id: string): SeenNode | undefined {
    return this.nodes.get(id);
  }
}
