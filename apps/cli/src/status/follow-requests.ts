import type { IncomingMessage } from 'node:http';
import type { StatusConfig } from '@piko/config';
import { createParser } from 'eventsource-parser';
import { stringify as toYaml } from 'yaml';
import { AdminApiError, type AdminClient } from './admin-client';
import { REQUEST_COLUMNS, requestRow } from './exchange-text';
import type { ExchangeListResponse, ExchangeSummary } from '@piko/inspect';
import { alignedLine, columnWidths } from './render-table';
import { inspectionOffWarning, requestQuery } from './request-views';
import type { StatusOutputStreams } from './run-status';

/** Waits before reopening a live stream that ended, in ms (then the last one again). */
const RETRY_MS = [1_000, 2_000, 5_000];
/** The stream may be silent this long before it is treated as dead (the admin sends a snapshot every admin.page.refresh_interval, 1 s). */
const IDLE_MS = 30_000;
/** Captures remembered to print each once (and again only when it changed: a stream that closed). */
const SEEN_MAX = 10_000;
/** Columns kept at least this wide while following, so later rows line up with the first ones. */
const MIN_WIDTHS = [12, 12, 6, 24, 6, 7, 7, 7, 7, 15];

/**
 * Whether a capture passes `--status`, `--method` and `--path-prefix`: the API's test
 * (libs/inspect exchange-filter), applied to the captures the live stream announces, which come
 * unfiltered but for the endpoint.
 */
export function passes(s: ExchangeSummary, config: StatusConfig): boolean {
  const status = config.status.toLowerCase();
  if (/^[1-5]xx$/.test(status) && Math.floor(s.status / 100) !== Number(status[0])) return false;
  if (/^\d+$/.test(status) && s.status !== Number(status)) return false;
  if (config.method && s.method !== config.method.toUpperCase()) return false;
  const q = s.target.indexOf('?');
  if (config.pathPrefix && !(q < 0 ? s.target : s.target.slice(0, q)).startsWith(config.pathPrefix)) return false;
  return true;
}

/**
 * `piko status requests ENDPOINT --follow`: prints the list (oldest first), then every new
 * capture of the endpoint as the admin API's live channel (`GET /api/v1/events`, `event:
 * request`) announces it, until `stop` aborts (Ctrl-C). The stream is opened with the list's
 * `cursor`, so the admin first sends every capture added or changed since the list was made and
 * none made in between is missed; one announced twice (a stream that closed sends its final
 * numbers) prints again only when it changed. A stream that ends is reopened (with a line on
 * stderr) after the list is read again, to print what came meanwhile. `-o json` prints
 * one JSON summary per line (NDJSON), `-o yaml` one YAML document each.
 * Resolves to the exit code: 0 when stopped, 1 when the first list or stream fails.
 */
export async function followRequests(endpoint: string, client: AdminClient, config: StatusConfig, io: StatusOutputStreams, stop: AbortSignal): Promise<number> {
  const seen = new Map<string, string>();
  let widths: number[] | undefined;
  const print = (s: ExchangeSummary) => {
    // An HTTP exchange prints once it is over, as an access log line does (the stream announces
    // it when it starts too); a connection (SSE, WebSocket, TCP) prints when it opens and again when it closes.
    if (s.kind === 'http' && s.total_ms === null) return;
    const signature = JSON.stringify(s);
    if (seen.get(s.id) === signature) return;
    seen.delete(s.id);
    seen.set(s.id, signature);
    if (seen.size > SEEN_MAX) seen.delete(seen.keys().next().value as string);
    if (config.output === 'json') io.out.write(`${signature}\n`);
    else if (config.output === 'yaml') io.out.write(`---\n${toYaml(s)}`);
    else io.out.write(`${alignedLine(requestRow(s), widths ?? MIN_WIDTHS)}\n`);
  };
  let attempt = 0;
  let first = true;
  while (!stop.aborted) {
    let res: IncomingMessage | undefined;
    try {
      const list = await client.get<ExchangeListResponse>(`/api/v1/endpoints/${encodeURIComponent(endpoint)}/requests`, requestQuery(config));
      for (const node of list.unreachable_nodes) io.err.write(`piko status: ${node} did not answer (no answer in time); what it holds is missing\n`);
      const oldestFirst = [...list.requests].reverse();
      if (first && list.requests.length === 0) {
        const warning = await inspectionOffWarning(endpoint, client);
        if (warning) io.err.write(`piko status: ${warning}\n`);
      }
      if (first && config.output === 'table') {
        widths = columnWidths(REQUEST_COLUMNS, oldestFirst.map(requestRow), MIN_WIDTHS);
        io.out.write(`${alignedLine(REQUEST_COLUMNS, widths)}\n`);
      }
      first = false;
      attempt = 0;
      for (const s of oldestFirst) print(s);
      const controller = new AbortController();
      const onStop = () => controller.abort();
      stop.addEventListener('abort', onStop, { once: true });
      res = await client.stream('/api/v1/events', { endpoint, cursor: list.cursor }, IDLE_MS, controller.signal);
      const why = await readEvents(res, (s) => {
        if (s.endpoint_id === endpoint && passes(s, config)) print(s);
      }).finally(() => stop.removeEventListener('abort', onStop));
      if (stop.aborted) break;
      io.err.write(`piko status: the live stream ended (${why}); reconnecting\n`);
    } catch (err) {
      res?.destroy();
      if (stop.aborted) break;
      if (!(err instanceof AdminApiError)) throw err;
      if (first) {
        io.err.write(`piko status: ${err.message}\n`);
        return 1;
      }
      io.err.write(`piko status: ${err.message}; trying again\n`);
    }
    await sleep(RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)], stop);
  }
  return 0;
}

/** Reads server-sent events until the stream ends; resolves to why it ended. */
function readEvents(res: IncomingMessage, onRequest: (s: ExchangeSummary) => void): Promise<string> {
  const parser = createParser({
    onEvent: (message) => {
      if (message.event !== 'request') return;
      try {
        onRequest(JSON.parse(message.data) as ExchangeSummary);
      } catch {
        // Not JSON: not an event this client understands.
      }
    },
  });
  res.setEncoding('utf8');
  return new Promise((resolve) => {
    res.on('data', (chunk: string) => parser.feed(chunk));
    res.on('end', () => resolve('the admin closed it'));
    res.on('error', (err) => resolve(err.message));
    res.on('close', () => resolve('closed'));
  });
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stop.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
