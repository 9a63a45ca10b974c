import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule, type AdminModuleDeps } from '@piko/admin';
import { GatewayModule, type GatewayModuleDeps } from '@piko/gateway';
import { ProxyModule, type ProxyModuleDeps } from '@piko/proxy';

/** Every role in one Nest application: `piko server`, the embedded default. */
@Module({})
export class EmbeddedServerModule {
  static register(deps: { admin: AdminModuleDeps; gateway: GatewayModuleDeps; proxy: ProxyModuleDeps }): DynamicModule {
    return {
      module: EmbeddedServerModule,
      imports: [AdminModule.register(deps.admin), GatewayModule.register(deps.gateway), ProxyModule.register(deps.proxy)],
    };
  }
}
