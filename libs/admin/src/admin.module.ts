import { type DynamicModule, Module } from '@nestjs/common';
import { OpsModule, type OpsModuleDeps } from '@piko/observability';

export type AdminModuleDeps = OpsModuleDeps;

/** The admin port: the ops endpoints (/health, /ready, /metrics); the cluster API is its own issue. */
@Module({})
export class AdminModule {
  static register(deps: AdminModuleDeps): DynamicModule {
    return { module: AdminModule, imports: [OpsModule.register(deps)] };
  }
}
