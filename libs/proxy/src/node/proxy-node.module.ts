import { type DynamicModule, Module } from '@nestjs/common';
import { OpsModule, type OpsModuleDeps } from '@piko/ops';
import { ProxyModule, type ProxyModuleDeps } from '../proxy.module';

/** A standalone proxy: the proxy port plus /health, /ready, /metrics on the ops port. */
@Module({})
export class ProxyNodeModule {
  static register(deps: { ops: OpsModuleDeps; proxy: ProxyModuleDeps }): DynamicModule {
    return { module: ProxyNodeModule, imports: [OpsModule.register(deps.ops), ProxyModule.register(deps.proxy)] };
  }
}
