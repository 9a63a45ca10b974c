import { type DynamicModule, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Logger } from '@piko/observability';
import { ProxyMetrics } from './proxy-metrics';
import type { ProxyOptions } from './proxy-options';
import { ProxyServer } from './proxy-server';
import { PROXY_LOGGER, PROXY_METRICS, PROXY_OPTIONS } from './proxy.tokens';
import { UPSTREAM_DIALER, type UpstreamDialer } from './upstream-dialer';

export interface ProxyModuleDeps {
  options: ProxyOptions;
  dialer: UpstreamDialer;
  logger: Logger;
  registry: Registry;
}

/** The proxy port. The app decides how upstreams are reached (the dialer) and when to listen. */
@Module({})
export class ProxyModule {
  static register(deps: ProxyModuleDeps): DynamicModule {
    return {
      module: ProxyModule,
      providers: [
        { provide: PROXY_OPTIONS, useValue: deps.options },
        { provide: PROXY_LOGGER, useValue: deps.logger.child({ subsystem: 'proxy' }) },
        { provide: PROXY_METRICS, useValue: new ProxyMetrics(deps.registry) },
        { provide: UPSTREAM_DIALER, useValue: deps.dialer },
        ProxyServer,
      ],
      exports: [ProxyServer],
    };
  }
}
