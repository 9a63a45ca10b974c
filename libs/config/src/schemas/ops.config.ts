import { IsBindAddr } from '../lib/address.validators';
import { StringOption } from '../lib/option.decorators';

/**
 * Health, readiness and metrics for a standalone `piko proxy` or `piko gateway` (which have no
 * admin port of their own). `piko server` serves these on the admin port instead.
 */
export class OpsConfig {
  @StringOption(`
Host/port to serve /health, /ready and /metrics on when running the proxy or
gateway on its own.`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = ':8004';
}
