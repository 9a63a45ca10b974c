import type { ServerConfig } from '../schemas/server.config';

/**
 * The multiplexer settings of a relay session, the same on both ends of the link (the proxy's
 * client side and the gateway's server side): `relay.max_streams` and the `relay.*` flood limits
 * (queued control bytes, frame rate and burst), with the keepalive interval of `upstream.mux`.
 * Durations in ms, as the config holds them.
 */
export function relaySessionOptions(config: ServerConfig) {
  return {
    maxStreams: config.relay.maxStreams,
    keepAliveInterval: config.upstream.mux.keepaliveInterval,
    maxQueuedControlBytes: config.relay.maxQueuedControlBytes,
    queuedControlTimeout: config.relay.queuedControlTimeout,
    maxFrameRate: config.relay.maxFrameRate,
    frameBurst: config.relay.frameBurst,
  };
}
