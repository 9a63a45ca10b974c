import type { ServerConfig } from '@piko/config';
import type { LiveFeedOptions } from './live-feed';

/** The live channel's settings from `admin.page.*` (validated by PageConfig). */
export function pageOptions(config: ServerConfig): LiveFeedOptions {
  const page = config.admin.page;
  return {
    intervalMs: page.refreshInterval,
    historyMs: page.history,
    chartEndpoints: page.chartEndpoints,
    maxStreams: page.maxStreams,
    maxStreamsPerClient: page.maxStreamsPerClient,
    stalledStreamTimeoutMs: page.stalledStreamTimeout,
  };
}
