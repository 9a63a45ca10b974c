/**
 * Key layout of the Redis registry. Every key carries the same hash tag `{<prefix>}`, so on Redis
 * Cluster they all live in one slot and MULTI and Lua scripts that span them are allowed.
 *
 *   {piko}:nodes                  set    IDs of nodes that registered (live or not yet swept)
 *   {piko}:node:<id>              hash   NodeInfo fields; its TTL *is* the lease
 *   {piko}:node:<id>:endpoints    hash   endpoint ID → upstream count (no TTL; swept)
 */
export class RedisKeys {
  private readonly tag: string;

  constructor(prefix = 'piko') {
    this.tag = `{${prefix}}`;
  }

  nodes(): string {
    return `${this.tag}:nodes`;
  }

  node(nodeId: string): string {
    return `${this.tag}:node:${nodeId}`;
  }

  endpoints(nodeId: string): string {
    return `${this.tag}:node:${nodeId}:endpoints`;
  }
}
