import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { type RequestAuthenticator, PROBE_PATHS } from '@piko/auth';
import type { ServerConfig } from '@piko/config';
import { bindPort, type Logger } from '@piko/observability';
import { listenNest } from '@piko/ops';
import type { ClusterClients } from '@piko/runtime';
import type { AdminModuleDeps } from '../admin.module';
import { setupAdminApi } from '../http/setup-admin-api';
import { PAGE_PATHS } from '../page/page-assets';
import { pageOptions } from '../page/page-options';

// The admin port as every node that serves it sets it up (`piko admin`, and `piko server`, whose
// one Nest app also holds the proxy and gateway): one place, so the two cannot drift apart.

/** What a node lends its admin port beyond config. */
export interface AdminNodeParts extends Pick<AdminModuleDeps, 'readiness' | 'registry' | 'nodeId'> {
  /** The registry the API reads and the bus it asks gateways and proxies over (Redis/NATS, or in memory). */
  clients: Pick<ClusterClients, 'registry' | 'bus'>;
  /** The node's logger; the admin API and the page log as its `admin` and `page` subsystems. */
  logger: Logger;
}

/** AdminModule's deps for a node: `admin.api.*`, `admin.page.*` and `proxy.inspect.replay_timeout` from `config`. */
export function adminModuleDeps(config: ServerConfig, parts: AdminNodeParts): AdminModuleDeps {
  return {
    readiness: parts.readiness,
    registry: parts.registry,
    clusterRegistry: parts.clients.registry,
    rpc: parts.clients.bus,
    nodeId: parts.nodeId,
    api: config.admin.api,
    replayTimeoutMs: config.proxy.inspect.replayTimeout,
    logger: parts.logger.child({ subsystem: 'admin' }),
    page: { options: pageOptions(config), logger: parts.logger.child({ subsystem: 'page' }) },
  };
}

/**
 * setupAdminApi for a node's admin app; call before `init()`, so `admin.auth` (`auth`, none when
 * unset) runs ahead of every route but the probes (/health, /ready) and the status page's own files,
 * which hold no data: the page asks for the token and sends it with every API call.
 * `admin.api.public_read` opens the GET routes as well.
 */
export function setupAdminPort(app: INestApplication, config: ServerConfig, auth: RequestAuthenticator | undefined, logger: Logger): void {
  setupAdminApi(app, {
    auth,
    openPaths: [...PROBE_PATHS, ...PAGE_PATHS],
    publicRead: config.admin.api.publicRead,
    logger: logger.child({ subsystem: 'admin' }),
  });
}

/**
 * Opens the admin port on `admin.bind_addr` and logs its address; resolves with it.
 * @throws StartupError when the port cannot be opened (see bindPort).
 */
export async function listenAdmin(app: INestApplication, config: ServerConfig, logger: Logger): Promise<AddressInfo> {
  const addr = await bindPort('--admin.bind-addr', config.admin.bindAddr, () => listenNest(app, config.admin.bindAddr));
  logger.child({ subsystem: 'admin' }).info('admin server listening', { addr: `${addr.address}:${addr.port}` });
  return addr;
}
