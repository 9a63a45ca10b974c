import { IsBindAddr } from '../lib/address.validators';
import { DurationOption, Section, StringOption } from '../lib/option.decorators';
import { TlsConfig } from './tls.config';

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

  @Section(() => TlsConfig)
  tls = new TlsConfig();

  @DurationOption(`
Maximum duration to read a request's head from the time the connection (or
its previous request) is ready; a connection still without one is closed.
0 means no limit.`)
  readHeaderTimeout = 10_000;
}
