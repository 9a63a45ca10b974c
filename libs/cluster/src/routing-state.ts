import type { ClusterEvent } from './cluster-event';
import type { NodeInfo, RegistrySnapshot } from './node-info';
import type { Route } from './weighted-pick';

/**
 * The proxy's view of the registry, changed by snapshots and events. Pure data, no I/O: the
 * RoutingTable decides when to load and what to apply.
 *
 * Trust: nodes and their relay addresses come from registry snapshots only (Redis, where a node
 * is listed only while its lease lives). A bus event (NATS) never adds a node or changes a relay
 * address: a join or drain for a node this state does not know, or that names another relay
 * address or role than the registry's, is ignored and answered with a resync, so a forged
 * announcement cannot point a route at a fake relay. Events may still remove a node (leave),
 * change a known node's state (drain), and change upstream counts of known gateways, which at
 * worst sends a request to a real gateway that answers NO_UPSTREAM.
 */
export class RoutingState {
  private nodes = new Map<string, NodeInfo>();
  private endpoints = new Map<string, Map<string, number>>();
  private readonly routeCache = new Map<string, ReadonlyArray<Route>>();

  /**
   * Replaces everything with a registry snapshot. With `keepAbsent`, nodes this state knows but
   * the snapshot lacks are kept with their entries (used right after the registry came back
   * empty, before the nodes have re-registered: see RoutingTable).
   */
  load(snapshot: RegistrySnapshot, keepAbsent = false): void {
    const nodes = new Map(snapshot.nodes);
    const endpoints = new Map([...snapshot.endpoints].map(([endpointId, owners]) => [endpointId, new Map(owners)]));
    if (keepAbsent) {
      for (const [nodeId, node] of this.nodes) {
        if (nodes.has(nodeId)) continue;
        nodes.set(nodeId, node);
        for (const [endpointId, owners] of this.endpoints) {
          const count = owners.get(nodeId);
          if (count === undefined) continue;
          let merged = endpoints.get(endpointId);
          if (!merged) endpoints.set(endpointId, (merged = new Map()));
          merged.set(nodeId, count);
        }
      }
    }
    this.nodes = nodes;
    this.endpoints = endpoints;
    this.routeCache.clear();
  }

  /**
   * Applies one event; returns false if it names a node this state does not know, or announces a
   * node other than the registry's (resync needed: the registry decides). A count from a node not
   * known is not kept: the resync reads it from the registry, where a gateway writes it before it
   * publishes. Kept, counts from made-up node IDs (a flood on the bus) grew this table for as long
   * as resyncs failed (Redis away: 1.9 M events took a proxy from 108 MB to 1.46 GB).
   */
  apply(event: ClusterEvent): boolean {
    if (event.type === 'node') {
      if (event.kind === 'leave') {
        this.removeNode(event.nodeId);
        this.routeCache.clear();
        return true;
      }
      const known = this.nodes.get(event.nodeId);
      if (!known || known.relayAddr !== event.node.relayAddr || known.role !== event.node.role) return false;
      // Only the state moves with an event; the address stays the registry's.
      if (known.state !== event.node.state) this.nodes.set(event.nodeId, { ...known, state: event.node.state });
      this.routeCache.clear();
      return true;
    }
    if (!this.nodes.has(event.nodeId)) return false;
    let owners = this.endpoints.get(event.endpointId);
    if (event.count > 0) {
      if (!owners) this.endpoints.set(event.endpointId, (owners = new Map()));
      owners.set(event.nodeId, event.count);
    } else if (owners) {
      owners.delete(event.nodeId);
      if (owners.size === 0) this.endpoints.delete(event.endpointId);
    }
    this.routeCache.delete(event.endpointId);
    return true;
  }

  /**
   * Gateways that can take a relay stream for the endpoint, with a relay address: the active ones,
   * or, only when none is active, the draining ones. A draining gateway still serves its upstreams
   * until they have reconnected elsewhere, so falling back to it loses no request in that window.
   */
  routes(endpointId: string): ReadonlyArray<Route> {
    let routes = this.routeCache.get(endpointId);
    if (routes) return routes;
    const active: Route[] = [];
    const draining: Route[] = [];
    for (const [nodeId, count] of this.endpoints.get(endpointId) ?? []) {
      const node = this.nodes.get(nodeId);
      if (count <= 0 || !node?.relayAddr) continue;
      (node.state === 'active' ? active : draining).push({ nodeId, relayAddr: node.relayAddr, count });
    }
    routes = Object.freeze(active.length > 0 ? active : draining);
    this.routeCache.set(endpointId, routes);
    return routes;
  }

  /** Whether the registry's last snapshot (or a later event) lists this node. */
  knows(nodeId: string): boolean {
    return this.nodes.has(nodeId);
  }

  /** The nodes held (for the cluster view on /metrics). */
  nodeList(): IterableIterator<NodeInfo> {
    return this.nodes.values();
  }

  counts(): { nodes: number; endpoints: number; entries: number } {
    let entries = 0;
    for (const owners of this.endpoints.values()) entries += owners.size;
    return { nodes: this.nodes.size, endpoints: this.endpoints.size, entries };
  }

  private removeNode(nodeId: string): void {
    this.nodes.delete(nodeId);
    for (const [endpointId, owners] of this.endpoints) {
      if (owners.delete(nodeId) && owners.size === 0) this.endpoints.delete(endpointId);
    }
  }
}
