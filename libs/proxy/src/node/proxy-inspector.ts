import type { Duplex } from 'node:stream';
import type { ServerConfig } from '@piko/config';
import type { RoutingTable } from '@piko/cluster';
import { Inspector, learnSwitches } from '@piko/inspect';
import type { Logger } from '@piko/observability';
import type { ClusterClients } from '@piko/runtime';
import type { RelayClient } from '../relay/relay-client';
import { compileTrustedProxies, originalClientAddress } from '../client-address';
import { pikoAnswer } from '../error-response';

/**
 * The proxy's traffic inspection from `proxy.inspect` (docs/configuration.md): the Inspector the
 * proxy server asks for a capture of each exchange (ProxyOptions.inspector), with the proxy's
 * own rules for the client's address (proxy.trusted_proxies) and for its own error answers.
 * `gatewayOf`: the gateway a dialed stream goes to (`gateway_node`): in a cluster the relay's far end
 * (clusterGatewayOf), in `piko server` alone the node itself.
 */
export function proxyInspector(config: ServerConfig, nodeId: string, gatewayOf?: (stream: Duplex) => string | undefined): Inspector {
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
      replayRate: inspect.replayRate,
      replayBurst: inspect.replayBurst,
    },
    { clientAddress: (req) => originalClientAddress(req, trusted), errorOf: pikoAnswer, gatewayOf },
  );
}

/**
 * The node ID of the gateway a relay stream goes to: the relay client's connection of the stream,
 * and the routing table's node with that relay address (the address itself if the table has none).
 */
export function clusterGatewayOf(relay: RelayClient, routing: RoutingTable): (stream: Duplex) => string | undefined {
  return (stream) => {
    const relayAddr = relay.relayAddrOf(stream);
    if (relayAddr === undefined) return undefined;
    for (const node of routing.nodes()) if (node.relayAddr === relayAddr) return node.id;
    return relayAddr;
  };
}

/**
 * Adopts the runtime inspect switches the other proxies hold (learnSwitches), so a switch made
 * through the admin API before this proxy started reaches it too. Best effort: a registry or bus
 * that does not answer leaves this proxy with its config (logged), it does not stop the start.
 */
export async function adoptPeerSwitches(clients: ClusterClients, id: string, inspector: Inspector, log: Logger): Promise<void> {
  try {
    const snapshot = await clients.registry.snapshot();
    const peers = [...snapshot.nodes.values()].filter((n) => n.id !== id && (n.role === 'proxy' || n.proxyAddr !== undefined)).map((n) => n.id);
    const adopted = await learnSwitches(clients.bus, peers, inspector, PEER_SWITCHES_TIMEOUT_MS);
    if (adopted > 0) log.info('inspect switches adopted from other proxies', { count: adopted });
  } catch (err) {
    log.warn('inspect switches of other proxies not read', { err: (err as Error).message });
  }
}

/** How long a starting proxy waits for the other proxies' inspect switches (ms). */
const PEER_SWITCHES_TIMEOUT_MS = 2_000;

