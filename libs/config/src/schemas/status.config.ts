import { Min } from 'class-validator';
import { IsUrlOf } from '../lib/address.validators';
import { BoolOption, DurationOption, EnumOption, IntOption, Section, StringOption } from '../lib/option.decorators';
import { ClientTlsConfig } from './client-tls.config';

export const STATUS_OUTPUTS = ['table', 'json', 'yaml'] as const;
export type StatusOutput = (typeof STATUS_OUTPUTS)[number];

/** How `piko status` reaches the admin API. */
export class StatusAdminConfig {
  @StringOption(`
Piko admin URL: the admin port of 'piko admin' or 'piko server'.`, { placeholder: 'url' })
  @IsUrlOf(['http:', 'https:'])
  url = 'http://localhost:8002';

  @StringOption(`
Token (JWT) for the admin port when admin.auth is set. Better kept off the
command line: the PIKO_ADMIN_TOKEN environment variable is read when this is
empty.`)
  token = '';

  @DurationOption('Timeout of each request to the admin API.')
  @Min(1, { message: 'admin.timeout: must be more than 0' })
  timeout = 10_000;

  @Section(() => ClientTlsConfig)
  tls = new ClientTlsConfig();
}

/** Go Piko's `piko server status` flag `--server.url`, kept for its spelling. */
export class StatusServerConfig {
  @StringOption(`
Go Piko's name for --admin.url ('piko server status'); wins when set.`, { placeholder: 'url' })
  @IsUrlOf(['http:', 'https:'], true)
  url = '';
}

/** Config of `piko status` (and Go Piko's spelling, `piko server status`). */
export class StatusConfig {
  @Section(() => StatusAdminConfig)
  admin = new StatusAdminConfig();

  @Section(() => StatusServerConfig)
  server = new StatusServerConfig();

  @EnumOption(STATUS_OUTPUTS, `
Output: 'table' (aligned columns), 'json' or 'yaml' (the API's answer as is).
Also -o.`)
  output: StatusOutput = 'table';

  @BoolOption(`
Re-render every --watch-interval until interrupted (Ctrl-C).`)
  watch = false;

  @DurationOption('Interval between renders with --watch.')
  @Min(100, { message: 'watch_interval: must be at least 100ms' })
  watchInterval = 2_000;

  @StringOption(`
endpoints: only endpoints whose ID starts with this.`)
  prefix = '';

  @EnumOption(['id', 'upstreams', 'gateways', 'requests', 'errors'], `
endpoints: sort by 'id', 'upstreams', 'gateways', 'requests' or 'errors'
(ascending for id, descending otherwise).`)
  sort: 'id' | 'upstreams' | 'gateways' | 'requests' | 'errors' = 'id';

  @IntOption(`
endpoints: show at most this many (pages of the API are fetched until then).
requests: the newest this many (at most 1000, the API's most).`, { min: 1 })
  limit = 1000;

  @StringOption(`
upstreams: only sessions of this endpoint.`)
  endpoint = '';

  @StringOption(`
upstreams: only sessions on this gateway (node ID).`)
  node = '';

  @StringOption(`
nodes ('cluster nodes' in Go's spelling): only nodes in this state
('active', 'draining' or 'left'). requests: only this status ('502') or
class ('5xx').`)
  status = '';

  @StringOption(`
requests: only requests with this method (GET, POST…).`)
  method = '';

  @StringOption(`
requests: only requests whose path starts with this ('/api/').`, { placeholder: 'path' })
  pathPrefix = '';

  @BoolOption(`
requests: after the list, print each new request as it is captured (the
admin API's live stream), until interrupted (Ctrl-C).`)
  follow = false;

  @StringOption(`
Go Piko's node to forward the request to. Accepted for its scripts and
ignored: the admin API answers for the whole cluster.`)
  forward = '';
}
