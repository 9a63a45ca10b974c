import { type DynamicModule, Module } from '@nestjs/common';
import type { EndpointRegistry } from '@piko/cluster';
import { OpsModule, type OpsModuleDeps } from '@piko/ops';
import { ADMIN_REGISTRY, ClusterController } from './cluster.controller';
import { PageModule, type PageModuleDeps } from './page/page.module';

export interface AdminModuleDeps extends OpsModuleDeps {
  /** The cluster registry (Redis, or the in-memory twin in one process). */
  clusterRegistry: EndpointRegistry;
  /** The status page's settings (admin.page.*) and logger. */
  page: Omit<PageModuleDeps, 'clusterRegistry'>;
}

/** The admin port: the ops endpoints (/health, /ready, /metrics), a read-only cluster view and the status page. */
@Module({})
export class AdminModule {
  static register(deps: AdminModuleDeps): DynamicModule {
    return {
      module: AdminModule,
      imports: [OpsModule.register(deps), PageModule.register({ ...deps.page, clusterRegistry: deps.clusterRegistry })],
      controllers: [ClusterController],
      providers: [{ provide: ADMIN_REGISTRY, useValue: deps.clusterRegistry }],
    };
  }
}
