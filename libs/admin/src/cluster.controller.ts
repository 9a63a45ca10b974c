import { Controller, Get, Inject } from '@nestjs/common';
import type { EndpointRegistry } from '@piko/cluster';

export const ADMIN_REGISTRY = Symbol('ADMIN_REGISTRY');

/** A read-only view of the cluster from the registry: who is up, and who owns which endpoint. */
@Controller('api/v1')
export class ClusterController {
  constructor(@Inject(ADMIN_REGISTRY) private readonly registry: EndpointRegistry) {}

  @Get('nodes')
  async nodes(): Promise<{ nodes: unknown[] }> {
    const snapshot = await this.registry.snapshot();
    return { nodes: [...snapshot.nodes.values()] };
  }

  @Get('endpoints')
  async endpoints(): Promise<{ endpoints: Record<string, Record<string, number>> }> {
    const snapshot = await this.registry.snapshot();
    return {
      endpoints: Object.fromEntries([...snapshot.endpoints].map(([id, owners]) => [id, Object.fromEntries(owners)])),
    };
  }
}
