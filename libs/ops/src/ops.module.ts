import { type DynamicModule, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Readiness } from '@piko/observability';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { OPS_METRICS_REGISTRY, OPS_READINESS } from './ops.tokens';

export interface OpsModuleDeps {
  readiness: Readiness;
  registry: Registry;
}

/**
 * /health, /ready and /metrics: every process serves them, on the admin port (`piko server`,
 * `piko admin`) or on its ops port (`ops.bind_addr`, a standalone proxy or gateway).
 */
@Module({})
export class OpsModule {
  static register(deps: OpsModuleDeps): DynamicModule {
    return {
      module: OpsModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: OPS_READINESS, useValue: deps.readiness },
        { provide: OPS_METRICS_REGISTRY, useValue: deps.registry },
      ],
    };
  }
}
