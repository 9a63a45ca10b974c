import { type DynamicModule, Module } from '@nestjs/common';
import type { EndpointRegistry } from '@piko/cluster';
import { OpsModule, type OpsModuleDeps } from '@piko/ops';
import { ADMIN_REGISTRY, ClusterController } from './cluster.controller';

export interface AdminModuleDeps extends OpsModuleDeps {
  /** The cluster registry (Redis, or the in-memory twin in one process). */
  clusterRegistry: EndpointRegistry;
}

/** The admin port: the ops endpoints (/health, /ready, /metrics) and a read-only cluster view. */
@Module({})
export class AdminModule {
  static register(deps: AdminModuleDeps): DynamicModule {
    return {
      module: AdminModule,
      imports: [OpsModule.register(deps)],
      controllers: [ClusterController],
      providers: [{ provide: ADMIN_REGISTRY, useValue: deps.clusterRegistry }],
    };
  }
}
