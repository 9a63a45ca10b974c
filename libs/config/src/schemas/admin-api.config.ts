import { Max, Min, type ValidationArguments } from 'class-validator';
import { BoolOption, DurationOption, IntOption } from '../lib/option.decorators';

const atLeast = (ms: number, text: string) =>
  Min(ms, { message: (args: ValidationArguments) => `must be at least ${text} (got ${JSON.stringify(args.value)} ms)` });

/** The admin API's own settings (not in Go Piko, whose status API is per node; see docs/admin-api.md). */
export class AdminApiConfig {
  @DurationOption(`
How long the admin API waits for each gateway's or proxy's answer (listing
upstreams, a drain or disconnect, request counters) before it reports that
node as unreachable.`)
  @atLeast(10, '10ms')
  requestTimeout = 2_000;

  @DurationOption(`
Interval at which the admin node reads every proxy's request and error counters;
rates are taken over the last interval.`)
  @atLeast(100, '100ms')
  statsInterval = 5_000;

  @DurationOption(`
How long a node that left the cluster is still listed, with state 'left'.
0 lists only live nodes.`)
  leftNodeRetention = 300_000;

  @BoolOption(`
With admin.auth set, leave the read routes (GET /api/v1/*, /status/*) open and
require a token only for actions (drain, disconnect) and /metrics.`)
  publicRead = false;

  @IntOption(`
Replays (POST /api/v1/requests/:id/replay) this admin node sends on, per
second, on average; more are answered 429 until the burst refills. A replay is
real traffic to a service, sent without proxy.auth.`, { min: 1 })
  @Max(10_000, { message: (args: ValidationArguments) => `must be at most 10000 (got ${JSON.stringify(args.value)})` })
  replayRate = 10;

  @IntOption(`
Replays this admin node sends on at once before admin.api.replay_rate applies.`, { min: 1 })
  @Max(10_000, { message: (args: ValidationArguments) => `must be at most 10000 (got ${JSON.stringify(args.value)})` })
  replayBurst = 20;
}
