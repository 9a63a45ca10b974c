import type { INestApplicationContext } from '@nestjs/common';
import type { RequestAuthenticator } from '@piko/auth';
import type { Logger } from '@piko/observability';
import { isValidEndpointId, MAX_WEBSOCKET_MESSAGE_BYTES, RateLimitedLog, websocketOriginAllowed } from '@piko/protocol';
import type { GatewayOptions } from './gateway-options';
import { GATEWAY_LOGGER, GATEWAY_OPTIONS } from './gateway.tokens';
import { authorizeUpstream, INVALID_ENDPOINT_ID } from './upstream-auth';
import { UpstreamListener } from './upstream-listener';
import { UpstreamWsAdapter } from './upstream-ws.adapter';

/** A browser page's handshake from a foreign origin: refused as gorilla/websocket's CheckOrigin does (403). */
const ORIGIN_NOT_ALLOWED = { status: 403, error: 'origin not allowed' };

/**
 * The WebSocket adapter for the upstream port, bound to the UpstreamListener's HTTP server. The
 * `Origin` is checked first (`upstream.allowed_origins`, see websocketOriginAllowed). Then, with
 * `authenticator` (`upstream.auth` / `upstream.tenants`), the token, as Go Piko's middleware runs
 * before its route, then the endpoint ID, then whether the token permits it.
 */
export function createUpstreamWsAdapter(app: INestApplicationContext, authenticator?: RequestAuthenticator): UpstreamWsAdapter {
  const { allowedOrigins = [] } = app.get<GatewayOptions>(GATEWAY_OPTIONS);
  // One page can retry in a loop: the refusal is logged, but not once per attempt.
  const warnings = new RateLimitedLog(app.get<Logger>(GATEWAY_LOGGER));
  return new UpstreamWsAdapter(app.get(UpstreamListener).server, {
    maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES,
    beforeUpgrade: (request, { endpointId = '' }) => {
      if (!websocketOriginAllowed(request, allowedOrigins)) {
        warnings.warn('upstream refused: origin not allowed', { origin: request.headers.origin, remoteAddr: request.socket.remoteAddress });
        return ORIGIN_NOT_ALLOWED;
      }
      if (authenticator) return authorizeUpstream(authenticator, request, endpointId);
      return isValidEndpointId(endpointId) ? undefined : INVALID_ENDPOINT_ID;
    },
  });
}
