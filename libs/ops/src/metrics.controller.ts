import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { HttpResponse } from './http-response';
import type { Registry } from 'prom-client';
import { OPS_METRICS_REGISTRY } from './ops.tokens';

/** Prometheus scrape endpoint for this process's registry. */
@Controller()
export class MetricsController {
  constructor(@Inject(OPS_METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  async metrics(@Res() res: HttpResponse): Promise<void> {
    res.type(this.registry.contentType).send(await this.registry.metrics());
  }
}
