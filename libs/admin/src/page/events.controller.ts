import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, type OnModuleDestroy, Optional, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { ExchangeSummary } from '@piko/inspect';
import { RateLimitedLog } from '@piko/protocol';
import { IsEndpointId } from '../dto/endpoint-id.validator';
import { LiveFeed, type LiveEvent } from './live-feed';
import { decodeFeedCursor, MAX_FEED_CURSOR_LENGTH } from './feed-cursor';
import { RequestFeed } from './request-feed';

/** The client's address as its socket gives it, an IPv4-mapped IPv6 address as plain IPv4. */
function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Ends `res` with a 503 and the JSON error the other refusals use. */
function refuse(res: ServerResponse, error: string): void {
  res.statusCode = 503;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ error }));
}

/** Resolves once `res` has drained what was written (true), or has closed (false). */
function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve(!res.destroyed);
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** `GET /api/v1/events` query. */
export class EventsQuery {
  @ApiPropertyOptional({ description: "Only this endpoint's `request` events (traffic inspection).", example: 'my-service' })
  @IsOptional()
  @IsEndpointId()
  endpoint?: string;

  @ApiPropertyOptional({ description: "A list's `cursor` (GET /api/v1/endpoints/:id/requests): first every capture added or changed since that list, then the live ones." })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_FEED_CURSOR_LENGTH)
  cursor?: string;
}

/**
 * `GET /api/v1/events`: the status page's live channel, as server-sent events (text/event-stream).
 * First a `hello` event (chart settings and history), then a `snapshot` every
 * `admin.page.refresh_interval` (or a `problem` when the cluster cannot be read), and a `request`
 * for each new or finished capture of traffic inspection (RequestFeed; `?endpoint=` filters them).
 *
 * Server-sent events rather than a WebSocket: the page only listens (actions are ordinary REST
 * calls), SSE is plain HTTP, so admin.auth's bearer check, TLS and proxies apply unchanged, and the
 * page reads it with fetch() so the token travels in the Authorization header, never in a URL.
 *
 * A client that reads slower than snapshots come misses snapshots (each one is whole, so nothing
 * is lost but detail) instead of making the server buffer for it. A `?cursor=` catch-up is sent
 * as the socket drains, one proxy answer at a time (RequestFeed.catchUp), so it does not make the
 * server buffer either. A stream whose socket has not drained for `admin.page.stalled_stream_timeout`
 * (its client stopped reading) is closed, so it does not hold its place for ever. Over
 * `admin.page.max_streams` open streams, or `admin.page.max_streams_per_client` from one client
 * address (the socket's peer: the admin port has no trusted proxies): 503 `{"error": ...}`.
 */
@Controller('api/v1')
export class EventsController implements OnModuleDestroy {
  private readonly open = new Set<ServerResponse>();
  /** Open streams per client address (only addresses with at least one). */
  private readonly perClient = new Map<string, number>();
  /** Refusals and stalled streams are a client's doing: a flood of them is summarised. */
  private readonly log: RateLimitedLog;

  constructor(
    @Inject(LiveFeed) private readonly feed: LiveFeed,
    @Optional() @Inject(RequestFeed) private readonly requests?: RequestFeed,
  ) {
    this.log = new RateLimitedLog(feed.logger);
  }

  /** On shutdown, before the HTTP server closes: streams never end on their own, so end them. */
  onModuleDestroy(): void {
    this.feed.stop();
    this.requests?.stop();
    for (const res of this.open) res.end();
    this.log.flush();
  }

  @Get('events')
  @ApiOperation({ summary: "The status page's live channel: server-sent events hello, then snapshot (or problem) every admin.page.refresh_interval, and request for each capture of traffic inspection" })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An endless text/event-stream; see docs/admin-api.md "The status page" for the events' })
  @ApiServiceUnavailableResponse({ description: 'admin.page.max_streams streams are already open, or admin.page.max_streams_per_client from this client address' })
  events(@Req() req: IncomingMessage, @Res() res: ServerResponse, @Query() query: EventsQuery): void {
    const cursor = query.cursor !== undefined ? decodeFeedCursor(query.cursor) : undefined;
    if (query.cursor !== undefined && !cursor) {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ error: 'cursor is not one from a list of requests', code: 'invalid_argument' }));
      return;
    }
    const { maxStreams, maxStreamsPerClient, stalledStreamTimeoutMs } = this.feed.options;
    const client = clientAddress(req);
    const fromClient = this.perClient.get(client) ?? 0;
    if (maxStreamsPerClient > 0 && fromClient >= maxStreamsPerClient) {
      this.log.warn('live stream refused: too many open from one client address (admin.page.max_streams_per_client)', { client, limit: maxStreamsPerClient });
      refuse(res, `too many live streams open from your address (admin.page.max_streams_per_client ${maxStreamsPerClient})`);
      return;
    }
    // Armed while a write sits in the socket's buffer (the client is not reading), cleared on 'drain'.
    let stalled: NodeJS.Timeout | undefined;
    const send = (name: string, data: unknown) => {
      const taken = res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      if (!taken && !stalled && !res.destroyed) {
        stalled = setTimeout(() => {
          this.log.warn('live stream closed: its client read nothing for admin.page.stalled_stream_timeout', { client, timeoutMs: stalledStreamTimeoutMs });
          res.destroy();
        }, stalledStreamTimeoutMs);
        stalled.unref();
      }
      return taken;
    };
    const unsubscribe = this.feed.subscribe((event: LiveEvent) => {
      // The previous event is still in the socket's buffer: this reader is behind, skip one.
      if (res.writableNeedDrain) return;
      send(event.name, event.data);
    });
    if (!unsubscribe) {
      this.log.warn('live stream refused: admin.page.max_streams streams open', { client, limit: maxStreams });
      refuse(res, `too many live streams open (admin.page.max_streams ${maxStreams})`);
      return;
    }
    this.perClient.set(client, fromClient + 1);
    res.on('drain', () => {
      clearTimeout(stalled);
      stalled = undefined;
    });
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    // nginx and similar proxies would otherwise hold events back in their buffers.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    send('hello', this.feed.hello());
    req.socket.setNoDelay(true);
    // A catch-up waiting for this socket to drain: live `request` events are skipped meanwhile.
    let catchUpWaiting = false;
    const stopRequests = this.requests?.subscribe((summary) => {
      if (!res.writableNeedDrain && !catchUpWaiting) send('request', summary);
    }, query.endpoint);
    const closed = new AbortController();
    // Catch-up events are all sent (a gap is what the cursor is for), live ones skipped when behind.
    // They are sent as the socket drains: once a write is buffered, the next waits for 'drain'
    // (and the proxies are not asked for more meanwhile), so a client that does not read costs one
    // answer page, not every capture since its cursor.
    if (cursor && this.requests) {
      const catchUpListener = (summary: ExchangeSummary): boolean | Promise<boolean> => {
        if (res.destroyed) return false;
        if (send('request', summary)) return true;
        catchUpWaiting = true;
        return drained(res).finally(() => (catchUpWaiting = false));
      };
      this.requests.catchUp(cursor, catchUpListener, query.endpoint, closed.signal).catch(() => undefined);
    }
    this.open.add(res);
    res.on('close', () => {
      this.open.delete(res);
      clearTimeout(stalled);
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
      closed.abort();
      unsubscribe();
      stopRequests?.();
    });
  }
}
