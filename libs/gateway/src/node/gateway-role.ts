import { clusterRole, type RoleCommand } from '@piko/runtime';
import { startGatewayNode } from './gateway-node';

/** `piko gateway` and the upstream-gateway container's entry point. */
export const gatewayRole: RoleCommand = clusterRole(
  `Usage: piko gateway [flags]

Runs an upstream gateway on its own, as one node of a cluster: agents and SDK
upstreams connect to --upstream.bind-addr (:8001); proxies reach them through
--relay.bind-addr (:8003), advertised as --relay.advertise-addr (set it to the
pod IP in Kubernetes). Needs --cluster.redis-url and --cluster.nats-url. Health,
readiness and metrics are served on --ops.bind-addr (:8004). SIGTERM drains.

Example:
  piko gateway --cluster.redis-url redis://127.0.0.1:6379 --cluster.nats-url nats://127.0.0.1:4222
`,
  startGatewayNode,
);
