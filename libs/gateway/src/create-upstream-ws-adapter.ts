import type { INestApplicationContext } from '@nestjs/common';
import { isValidEndpointId } from '@piko/protocol';
import { UpstreamListener } from './upstream-listener';
import { UpstreamWsAdapter } from './upstream-ws.adapter';

// A yamux frame is at most one window of data plus its 12-byte header; our peers' windows are 256 KiB
// by default, and we accept more in case a peer batches several frames in one message.
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The WebSocket adapter for the upstream port, bound to the UpstreamListener's HTTP server. */
export function createUpstreamWsAdapter(app: INestApplicationContext): UpstreamWsAdapter {
  return new UpstreamWsAdapter(app.get(UpstreamListener).server, {
    maxPayload: MAX_MESSAGE_BYTES,
    beforeUpgrade: (_request, { endpointId }) =>
      isValidEndpointId(endpointId ?? '') ? undefined : { status: 400, error: 'invalid endpoint id' },
  });
}
