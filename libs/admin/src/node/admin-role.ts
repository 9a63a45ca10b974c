import { clusterRole, type RoleCommand } from '@piko/runtime';
import { startAdminNode } from './admin-node';

/** `piko admin` and the admin container's entry point. */
export const adminRole: RoleCommand = clusterRole(
  `Usage: piko admin [flags]

Runs the admin service on its own: /health, /ready, /metrics and the cluster
view (/api/v1/nodes, /api/v1/endpoints) on --admin.bind-addr (:8002). Needs
--cluster.redis-url and --cluster.nats-url.

Example:
  piko admin --cluster.redis-url redis://127.0.0.1:6379 --cluster.nats-url nats://127.0.0.1:4222
`,
  startAdminNode,
);
