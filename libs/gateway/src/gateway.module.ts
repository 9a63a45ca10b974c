import { type DynamicModule, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Logger } from '@piko/observability';
import { GatewayMetrics } from './gateway-metrics';
import type { GatewayOptions } from './gateway-options';
import { GATEWAY_LOGGER, GATEWAY_METRICS, GATEWAY_OPTIONS } from './gateway.tokens';
import { UpstreamGateway } from './upstream.gateway';
import { UpstreamListener } from './upstream-listener';
import { UpstreamPool } from './upstream-pool';

export interface GatewayModuleDeps {
  options: GatewayOptions;
  /** Shared with the proxy when both run in one process. */
  pool: UpstreamPool;
  logger: Logger;
  registry: Registry;
}

/**
 * The upstream port. The app must install the adapter (`createUpstreamWsAdapter`) before
 * `app.init()`, since Nest binds the WebSocket gateway to whatever adapter is set at init.
 */
@Module({})
export class GatewayModule {
  static register(deps: GatewayModuleDeps): DynamicModule {
    return {
      module: GatewayModule,
      providers: [
        { provide: GATEWAY_OPTIONS, useValue: deps.options },
        { provide: GATEWAY_LOGGER, useValue: deps.logger.child({ subsystem: 'upstream' }) },
        { provide: GATEWAY_METRICS, useValue: new GatewayMetrics(deps.registry, deps.pool) },
        { provide: UpstreamPool, useValue: deps.pool },
        UpstreamListener,
        UpstreamGateway,
      ],
      exports: [UpstreamListener, UpstreamGateway, UpstreamPool],
    };
  }
}
