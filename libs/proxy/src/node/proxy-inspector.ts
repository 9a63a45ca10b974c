import type { ServerConfig } from '@piko/config';
import { Inspector } from '@piko/inspect';
import { compileTrustedProxies, originalClientAddress } from '../client-address';
import { pikoAnswer } from '../error-response';

/**
 * The proxy's traffic inspection from `proxy.inspect` (docs/configuration.md): the Inspector the
 * proxy server asks for a capture of each exchange (ProxyOptions.inspector), with the proxy's
 * own rules for the client's address (proxy.trusted_proxies) and for its own error answers.
 * `localGateway`: this node also serves the upstreams (`piko server`), named as every exchange's gateway.
 */
export function proxyInspector(config: ServerConfig, nodeId: string, localGateway?: string): Inspector {
  const inspect = config.proxy.inspect;
  const trusted = compileTrustedProxies(config.proxy.trustedProxies);
  return new Inspector(
    nodeId,
    {
      endpoints: inspect.endpoints,
      ringSize: inspect.ringSize,
      bodyBytes: inspect.bodyBytes,
      maxMemoryBytes: inspect.maxMemory,
      redactHeaders: inspect.redactHeaders,
      omitContentTypes: inspect.omitContentTypes,
      replayTimeoutMs: inspect.replayTimeout,
      localGateway,
    },
    { clientAddress: (req) => originalClientAddress(req, trusted), errorOf: pikoAnswer },
  );
}
