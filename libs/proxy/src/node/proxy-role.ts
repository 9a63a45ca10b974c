import { clusterRole, type RoleCommand } from '@piko/runtime';
import { startProxyNode } from './proxy-node';

/** `piko proxy` and the proxy container's entry point. */
export const proxyRole: RoleCommand = clusterRole(
  `Usage: piko proxy [flags]

Runs a proxy on its own, as one node of a cluster: clients send HTTP, WebSocket
and TCP (/_piko/v1/tcp/:endpointId) traffic to --proxy.bind-addr (:8000); the
proxy routes each to a gateway that owns an upstream for the endpoint. Needs
--cluster.redis-url and --cluster.nats-url. Health, readiness and metrics are
served on --ops.bind-addr (:8004).

Example:
  piko proxy --cluster.redis-url redis://127.0.0.1:6379 --cluster.nats-url nats://127.0.0.1:4222
`,
  startProxyNode,
);
