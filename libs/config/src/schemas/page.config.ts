import { Max, Min, type ValidationArguments } from 'class-validator';
import { DurationOption, IntOption } from '../lib/option.decorators';

const at = (bound: 'least' | 'most', text: string) => ({
  message: (args: ValidationArguments) => `must be at ${bound} ${text} (got ${JSON.stringify(args.value)})`,
});

/**
 * The live status page at `/` on the admin port and its live channel (`/api/v1/events`). Not in
 * Go Piko, which has no page.
 */
export class PageConfig {
  @DurationOption(`
Interval between the live channel's snapshots of the cluster (one reading of
the cluster shared by every open page, only while a page is open).`)
  @Min(250, at('least', '250ms'))
  @Max(60_000, at('most', '1m'))
  refreshInterval = 1_000;

  @DurationOption(`
How far back the page's chart of requests/s and errors per endpoint reaches.
Kept in the admin process's memory.`)
  @Min(10_000, at('least', '10s'))
  @Max(3_600_000, at('most', '1h'))
  history = 300_000;

  @IntOption(`
Endpoints drawn on the chart, at most: the busiest ones over each interval;
the rest are summed as '(others)'. Bounds the chart's memory.`, { min: 1 })
  @Max(50, at('most', '50'))
  chartEndpoints = 8;

  @IntOption(`
Live channel streams (open status pages) served at once, at most; beyond it
/api/v1/events answers 503.`, { min: 1 })
  maxStreams = 32;

  @IntOption(`
Live channel streams one client address may have open at once, at most (the
connecting peer's address: behind a reverse proxy every page shares the
proxy's); beyond it /api/v1/events answers 503. 0 means no limit beyond
max-streams. Keeps one client from taking every stream.`, { min: 0 })
  maxStreamsPerClient = 4;

  @DurationOption(`
How long a live channel stream may stay backed up before the admin node closes
it, freeing its place among max-streams. Backed up: its client reads nothing,
the kernel's socket buffers (a few MB) are full and the admin process holds
unsent bytes for it. A page that reads is never backed up that long.`)
  @Min(1_000, at('least', '1s'))
  @Max(3_600_000, at('most', '1h'))
  stalledStreamTimeout = 60_000;
}
