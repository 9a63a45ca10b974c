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

  // Flood protection (not in Go Piko): see docs/architecture.md "Hostile peers".

  @IntOption(`
Bytes of control frames (ping replies, window updates, stream resets) queued for an
upstream that does not read them, above which its connection is no longer read from.`, { min: 4096 })
  maxQueuedControlBytes = 1_048_576;

  @DurationOption(`
An upstream that leaves max-queued-control-bytes unread this long is disconnected
with a protocol error. 0 waits for as long as it takes.`)
  queuedControlTimeout = 5_000;

  @IntOption(`
Frames per second an upstream connection may send on average; beyond that plus
frame-burst it is disconnected with a protocol error. 0 disables the limit.`, { min: 0 })
  maxFrameRate = 100_000;

  @IntOption(`
Frames an upstream connection may send at once above max-frame-rate.`, { min: 1 })
  frameBurst = 200_000;
}
