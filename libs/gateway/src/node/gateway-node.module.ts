import { type DynamicModule, Module } from '@nestjs/common';
import { OpsModule, type OpsModuleDeps } from '@piko/ops';
import { GatewayModule, type GatewayModuleDeps } from '../gateway.module';

/** A standalone gateway: the upstream port plus /health, /ready, /metrics on the ops port. */
@Module({})
export class GatewayNodeModule {
  static register(deps: { ops: OpsModuleDeps; gateway: GatewayModuleDeps }): DynamicModule {
    return { module: GatewayNodeModule, imports: [OpsModule.register(deps.ops), GatewayModule.register(deps.gateway)] };
  }
}
