import { IsAdvertiseAddr, IsBindAddr } from '../lib/address.validators';
import { DurationOption, Section, StringOption } from '../lib/option.decorators';
import { AdminApiConfig } from './admin-api.config';
import { AuthConfig } from './auth.config';
import { PageConfig } from './page.config';
import { TlsConfig } from './tls.config';

/** The admin port: REST API, health, readiness and metrics (Go Piko's `admin`). */
export class AdminConfig {
  @StringOption(`
Host/port to listen on for admin connections. Without a host it listens on all
interfaces: ':8002' listens on '0.0.0.0:8002'.`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = ':8002';

  @StringOption(`
Admin address to advertise to other nodes, such as '10.26.104.45:8002'.`, { placeholder: 'addr' })
  @IsAdvertiseAddr()
  advertiseAddr = '';

  @Section(() => AuthConfig)
  auth = new AuthConfig();

  @Section(() => AdminApiConfig)
  api = new AdminApiConfig();

  @Section(() => TlsConfig)
  tls = new TlsConfig();

  @Section(() => PageConfig)
  page = new PageConfig();

  @DurationOption(`
Maximum duration to read a request's head from the time the connection (or
its previous request) is ready; a connection still without one is closed.
0 means no limit. (Not a Go Piko key: Go's admin port has no limit; Node's
default, 60s, let idle connections to this port use up the descriptors of
every port.)`)
  readHeaderTimeout = 10_000;
}
