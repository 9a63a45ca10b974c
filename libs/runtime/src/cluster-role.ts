import type { Logger } from '@piko/observability';
import type { ServerConfig } from '@piko/config';
import { type ClusterClients, createClusterClients } from './cluster-clients';
import type { RoleCommand, RunningRole } from './run-role';

/**
 * A role that runs as one node of a cluster: it needs Redis and NATS, and closes its clients
 * after its own graceful shutdown.
 */
export function clusterRole(
  usage: string,
  start: (config: ServerConfig, logger: Logger, clients: ClusterClients) => Promise<RunningRole>,
): RoleCommand {
  return {
    usage,
    async start(config, logger) {
      const clients = createClusterClients(config, logger, true);
      // A start that fails (a bad auth key, say) must not leave Redis/NATS clients holding the process open.
      const node = await start(config, logger, clients).catch(async (err: unknown) => {
        await clients.close().catch(() => undefined);
        throw err;
      });
      return {
        async shutdown() {
          await node.shutdown();
          await clients.close();
        },
      };
    },
  };
}
