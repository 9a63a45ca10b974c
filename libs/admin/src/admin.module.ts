import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClusterRpc, EndpointRegistry } from '@piko/cluster';
import type { AdminApiConfig } from '@piko/config';
import type { Logger } from '@piko/observability';
import { OpsModule, type OpsModuleDeps } from '@piko/ops';
import { ClusterController } from './http/cluster.controller';
import { GoStatusController } from './http/go-status.controller';
import { InspectController } from './http/inspect.controller';
import { PAGE_CONTROLLERS, type PageDeps, pageProviders } from './page/page-providers';
import { RequestFeed } from './page/request-feed';
import { ADMIN_CONTEXT, type AdminContext } from './service/admin-context';
import { ClusterActions } from './service/cluster-actions';
import { ClusterReader } from './service/cluster-reader';
import { InspectGather } from './service/inspect-gather';
import { NodeHistory } from './service/node-history';
import { RequestRatesPoller } from './service/request-rates';
import { TokenBucket } from '@piko/inspect';

export interface AdminModuleDeps extends OpsModuleDeps {
  /** The cluster registry (Redis, or the in-memory twin in one process). */
  clusterRegistry: EndpointRegistry;
  /** Request/reply to gateways and proxies (NATS, or the in-memory bus in one process). */
  rpc: ClusterRpc;
  /** This node's ID (Go Piko's `/status/cluster/nodes/local`). */
  nodeId: string;
  /** `admin.api.*`. */
  api: Pick<AdminApiConfig, 'requestTimeout' | 'statsInterval' | 'leftNodeRetention'> & Partial<Pick<AdminApiConfig, 'replayRate' | 'replayBurst'>>;
  logger: Logger;
  /** The status page's settings (admin.page.*) and logger. */
  page: PageDeps;
  /** `proxy.inspect.replay_timeout` (ms): how long a proxy may take over a replay (default 30 s). */
  replayTimeoutMs?: number;
}

/**
 * The admin port: the ops endpoints (/health, /ready, /metrics), the cluster API (/api/v1),
 * Go Piko's status paths (/status) and the status page (/, /api/v1/events). The app applies
 * `setupAdminApi` before init (validation, JSON errors, OpenAPI). Starts the request-rate poller when the app boots, stops it at close.
 */
@Module({})
export class AdminModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(ADMIN_CONTEXT) private readonly context: AdminContext) {}

  static register(deps: AdminModuleDeps): DynamicModule {
    const history = new NodeHistory(deps.api.leftNodeRetention);
    const rates = new RequestRatesPoller({
      registry: deps.clusterRegistry,
      rpc: deps.rpc,
      history,
      intervalMs: deps.api.statsInterval,
      timeoutMs: deps.api.requestTimeout,
      logger: deps.logger,
    });
    const context: AdminContext = {
      nodeId: deps.nodeId,
      registry: deps.clusterRegistry,
      rpc: deps.rpc,
      history,
      rates,
      requestTimeoutMs: deps.api.requestTimeout,
      replayTimeoutMs: deps.replayTimeoutMs ?? 30_000,
      // admin.api.replay_rate / replay_burst (their defaults when a caller passes none).
      replayLimit: new TokenBucket(deps.api.replayRate ?? 10, deps.api.replayBurst ?? 20),
    };
    return {
      module: AdminModule,
      imports: [OpsModule.register(deps)],
      controllers: [ClusterController, GoStatusController, InspectController, ...PAGE_CONTROLLERS],
      providers: [
        { provide: ADMIN_CONTEXT, useValue: context },
        ClusterReader,
        ClusterActions,
        InspectGather,
        {
          provide: RequestFeed,
          inject: [InspectGather],
          useFactory: (gather: InspectGather) => new RequestFeed({ rpc: deps.rpc, proxies: () => gather.proxies(), timeoutMs: deps.api.requestTimeout, logger: deps.logger }),
        },
        ...pageProviders(deps.page),
      ],
    };
  }

  onApplicationBootstrap(): void {
    this.context.rates.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.context.rates.stop();
  }
}
