import { type DynamicModule, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Readiness } from '@piko/observability';
import { ADMIN_METRICS_REGISTRY, ADMIN_READINESS } from './admin.tokens';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

export interface AdminModuleDeps {
  readiness: Readiness;
  registry: Registry;
}

/** The admin/ops HTTP surface: /health, /ready and /metrics (the cluster API is its own issue). */
@Module({})
export class AdminModule {
  static register(deps: AdminModuleDeps): DynamicModule {
    return {
      module: AdminModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: ADMIN_READINESS, useValue: deps.readiness },
        { provide: ADMIN_METRICS_REGISTRY, useValue: deps.registry },
      ],
    };
  }
}
