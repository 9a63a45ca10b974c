import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { HttpResponse } from './http-response';
import type { Readiness } from '@piko/observability';
import { OPS_READINESS } from './ops.tokens';

/**
 * Liveness and readiness, as Kubernetes probes them. `/ready` is 503 until the process has
 * started every role and again from the first moment of shutdown, so a load balancer stops
 * sending before anything stops serving; its body names each dependency check.
 */
@Controller()
export class HealthController {
  constructor(@Inject(OPS_READINESS) private readonly readiness: Readiness) {}

  @Get('health')
  @HttpCode(200)
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(@Res() res: HttpResponse): void {
    const report = this.readiness.report();
    res.status(report.ready ? 200 : 503).json(report);
  }
}
