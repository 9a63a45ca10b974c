import type { INestApplicationContext } from '@nestjs/common';
import type { RequestAuthenticator } from '@piko/auth';
import { isValidEndpointId } from '@piko/protocol';
import { authorizeUpstream, INVALID_ENDPOINT_ID } from './upstream-auth';
import { UpstreamListener } from './upstream-listener';
import { UpstreamWsAdapter } from './upstream-ws.adapter';

// A yamux frame is at most one window of data plus its 12-byte header; our peers' windows are 256 KiB
// by default, and we accept more in case a peer batches several frames in one message.
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * The WebSocket adapter for the upstream port, bound to the UpstreamListener's HTTP server. With
 * `authenticator` (`upstream.auth` / `upstream.tenants`), the token is checked first, as Go Piko's
 * middleware runs before its route, then the endpoint ID, then whether the token permits it.
 */
export function createUpstreamWsAdapter(app: INestApplicationContext, authenticator?: RequestAuthenticator): UpstreamWsAdapter {
  return new UpstreamWsAdapter(app.get(UpstreamListener).server, {
    maxPayload: MAX_MESSAGE_BYTES,
    beforeUpgrade: (request, { endpointId = '' }) => {
      if (authenticator) return authorizeUpstream(authenticator, request, endpointId);
      return isValidEndpointId(endpointId) ? undefined : INVALID_ENDPOINT_ID;
    },
  });
}
