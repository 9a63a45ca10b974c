import { DurationOption, IntOption } from '../lib/option.decorators';

/** The multiplexer (yamux) on each upstream connection; defaults are hashicorp/yamux's. */
export class MuxConfig {
  @DurationOption(`
Interval between keep-alive pings on an upstream connection. 0 disables them.`)
  keepaliveInterval = 30_000;

  @DurationOption(`
Timeout writing a frame to an upstream connection before it is closed.`)
  writeTimeout = 10_000;

  @IntOption(`
Maximum concurrent streams on one upstream connection.`, { min: 1 })
  maxStreams = 4096;

  @IntOption(`
Maximum receive window of a stream, in bytes (yamux's initial window is 256 KiB).`, { min: 262_144 })
  maxStreamWindow = 262_144;

  @IntOption(`
Streams the upstream has not yet accepted before new ones are refused.`, { min: 1 })
  acceptBacklog = 256;

  @DurationOption(`
Timeout for the upstream to acknowledge a new stream.`)
  streamOpenTimeout = 75_000;
}
