import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { EndpointBusyError, TooManyStreamsError, type EndpointProtocol, type Session } from '@piko/protocol';

/** One connected upstream: an agent or SDK listener that registered an endpoint over a multiplexed session. */
export interface UpstreamConnection {
  readonly id: string;
  readonly endpointId: string;
  readonly remoteAddr: string;
  readonly connectedAt: Date;
  readonly session: Session;
  /**
   * What its service speaks, from its ENDPOINT_PROTOCOL_HEADER; undefined when it did not say
   * (Go Piko's agents and SDK): it then takes raw TCP streams too.
   */
  readonly protocol?: EndpointProtocol;
  /** The upgrade request's User-Agent, if any (the admin API lists it). */
  readonly userAgent?: string;
  /** The connection under the session, for its byte counts (`net.Socket`'s bytesRead/bytesWritten). */
  readonly transport?: { readonly bytesRead: number; readonly bytesWritten: number };
  /**
   * Requests and TCP connections this gateway sent to the session: one per stream opened, or per
   * request picked for it (pick: the proxy may send it on a kept stream). Go Piko's per-upstream
   * request count; the admin API's `requests`.
   */
  requestsSent?: number;
}

export interface PoolDialOptions {
  /**
   * The stream carries the proxy's raw TCP route: never given to an upstream that declared
   * `http` (its service would receive bytes that never passed the proxy's request rules).
   */
  rawTcp?: boolean;
  /**
   * False: the stream is opened ahead of a request (a gateway's kept relay stream rebinding) and
   * not counted as one; that request is counted when it comes (countKeptRequest). Default true.
   */
  countRequest?: boolean;
}

interface EndpointUpstreams {
  readonly connections: UpstreamConnection[];
  next: number;
}

export interface UpstreamPoolEvents {
  /** The number of local upstreams for an endpoint changed (0 means the endpoint went away here). */
  change: [endpointId: string, count: number];
}

/**
 * The upstreams connected to this gateway, by endpoint. Picks among an endpoint's upstreams round
 * robin, skipping any that can no longer open streams (closed, or said go-away), so a request is
 * never sent down a session that is on its way out.
 */
export class UpstreamPool extends EventEmitter<UpstreamPoolEvents> {
  private readonly endpoints = new Map<string, EndpointUpstreams>();
  private readonly retiring = new WeakSet<UpstreamConnection>();
  private requests = 0;

  add(connection: UpstreamConnection): void {
    let entry = this.endpoints.get(connection.endpointId);
    if (!entry) {
      entry = { connections: [], next: 0 };
      this.endpoints.set(connection.endpointId, entry);
    }
    entry.connections.push(connection);
    this.emit('change', connection.endpointId, entry.connections.length);
  }

  remove(connection: UpstreamConnection): void {
    const entry = this.endpoints.get(connection.endpointId);
    const index = entry?.connections.indexOf(connection) ?? -1;
    if (!entry || index < 0) return;
    entry.connections.splice(index, 1);
    if (entry.connections.length === 0) this.endpoints.delete(connection.endpointId);
    else entry.next %= entry.connections.length;
    this.emit('change', connection.endpointId, entry.connections.length);
  }

  /**
   * Opens a stream to the next usable upstream of the endpoint, or returns undefined if it has
   * none. Upstreams being retired (told go-away) are used only when the endpoint has no other:
   * they are on their way out, but until their replacement connects they still serve. With
   * `rawTcp`, upstreams that declared HTTP are skipped (see servesOnlyHttp).
   *
   * Throws EndpointBusyError when the endpoint has upstreams but every usable one is at its
   * stream limit (`upstream.mux.max_streams`): the client gets 503 "endpoint busy", which says
   * what happened, rather than 502 "no available upstreams" while the endpoint is connected.
   */
  dial(endpointId: string, options: PoolDialOptions = {}): Duplex | undefined {
    const entry = this.endpoints.get(endpointId);
    if (!entry) return undefined;
    const seen = { busy: false };
    const stream = this.dialFrom(entry, false, options, seen) ?? this.dialFrom(entry, true, options, seen);
    if (!stream && seen.busy) throw new EndpointBusyError(endpointId);
    return stream;
  }

  /**
   * The upstream the next request for the endpoint goes to, by the same rules as dial (round
   * robin, upstreams being retired only when there is no other) but without opening a stream:
   * the proxy may have an idle stream to it. Undefined when the endpoint has no usable upstream.
   */
  pick(endpointId: string): UpstreamConnection | undefined {
    const entry = this.endpoints.get(endpointId);
    if (!entry) return undefined;
    const connection = this.pickFrom(entry, false) ?? this.pickFrom(entry, true);
    // Counted here, per request, whether it then takes a kept stream or opens one (openOn).
    if (connection) this.countRequest(connection, 1);
    return connection;
  }

  /**
   * Opens a stream to `connection` (from pick, which counted the request); when it cannot take
   * one (at its stream limit, closed meanwhile) falls back to dial() for the endpoint, with its
   * results and errors, and the request is counted where it went instead.
   */
  openOn(connection: UpstreamConnection): Duplex | undefined {
    const { session } = connection;
    if (!session.isClosed && !session.remoteGoAway) {
      try {
        return session.open();
      } catch {
        // At its stream limit, or closed between the check and the open: another upstream may do.
      }
    }
    this.countRequest(connection, -1);
    return this.dial(connection.endpointId);
  }

  /** True while the endpoint has an upstream here that takes new streams (not closed, no go-away). */
  hasUsable(endpointId: string): boolean {
    return this.usableCount(endpointId) > 0;
  }

  /** How many of the endpoint's upstreams here take new streams (not closed, no go-away). */
  usableCount(endpointId: string): number {
    const entry = this.endpoints.get(endpointId);
    if (!entry) return 0;
    let usable = 0;
    for (const { session } of entry.connections) if (!session.isClosed && !session.remoteGoAway) usable++;
    return usable;
  }

  /**
   * Counts one request sent on a stream already open to the endpoint's upstream on `session` (a
   * gateway's kept relay stream sends its requests on one upstream stream while it can), as
   * pick counts one for the proxy's kept streams.
   */
  countKeptRequest(endpointId: string, session: unknown): void {
    const connection = this.endpoints.get(endpointId)?.connections.find((c) => c.session === session);
    if (connection) this.countRequest(connection, 1);
  }

  private countRequest(connection: UpstreamConnection, delta: 1 | -1): void {
    this.requests += delta;
    connection.requestsSent = (connection.requestsSent ?? 0) + delta;
  }

  private pickFrom(entry: EndpointUpstreams, retiring: boolean): UpstreamConnection | undefined {
    for (let tried = 0; tried < entry.connections.length; tried++) {
      const connection = entry.connections[entry.next];
      entry.next = (entry.next + 1) % entry.connections.length;
      const { session } = connection;
      if (session.isClosed || session.remoteGoAway || this.retiring.has(connection) !== retiring) continue;
      return connection;
    }
    return undefined;
  }

  /**
   * True when the endpoint has upstreams here and every one declared HTTP: a raw TCP stream for
   * it is refused as such (403 at the proxy), not as "no available upstreams".
   */
  servesOnlyHttp(endpointId: string): boolean {
    const entry = this.endpoints.get(endpointId);
    return entry !== undefined && entry.connections.every((connection) => connection.protocol === 'http');
  }

  /** Marks an upstream as being retired (see dial). */
  markRetiring(connection: UpstreamConnection): void {
    this.retiring.add(connection);
  }

  /** True once the upstream was marked as being retired (told go-away). */
  isRetiring(connection: UpstreamConnection): boolean {
    return this.retiring.has(connection);
  }

  /** Opens a stream on the next usable upstream of `entry`; sets `seen.busy` when one was at its stream limit. */
  private dialFrom(entry: EndpointUpstreams, retiring: boolean, options: PoolDialOptions, seen: { busy: boolean }): Duplex | undefined {
    for (let tried = 0; tried < entry.connections.length; tried++) {
      const connection = entry.connections[entry.next];
      entry.next = (entry.next + 1) % entry.connections.length;
      const { session } = connection;
      if (options.rawTcp && connection.protocol === 'http') continue;
      if (session.isClosed || session.remoteGoAway || this.retiring.has(connection) !== retiring) continue;
      try {
        const stream = session.open();
        if (options.countRequest !== false) this.countRequest(connection, 1);
        return stream;
      } catch (err) {
        // At its stream limit, or closed between the check and the open: try the next one.
        if (err instanceof TooManyStreamsError) seen.busy = true;
      }
    }
    return undefined;
  }

  has(endpointId: string): boolean {
    return this.endpoints.has(endpointId);
  }

  /** Upstream count per endpoint, for the registry and the admin API. */
  counts(): Map<string, number> {
    return new Map([...this.endpoints].map(([id, entry]) => [id, entry.connections.length]));
  }

  connections(): UpstreamConnection[] {
    return [...this.endpoints.values()].flatMap((entry) => entry.connections);
  }

  /** Requests (and TCP connections) sent to upstreams since start (Go's piko_upstreams_upstream_requests_total). */
  get requestsSent(): number {
    return this.requests;
  }

  /** Endpoints with at least one upstream here. */
  get endpointCount(): number {
    return this.endpoints.size;
  }

  get size(): number {
    let total = 0;
    for (const entry of this.endpoints.values()) total += entry.connections.length;
    return total;
  }
}
