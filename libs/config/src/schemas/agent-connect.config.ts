import { IsUrlOf } from '../lib/address.validators';
import { DurationOption, Section, StringOption } from '../lib/option.decorators';
import { ClientTlsConfig } from './client-tls.config';

/** How the agent reaches Piko's upstream port. */
export class AgentConnectConfig {
  @StringOption(`
Piko server URL to connect to: the server's 'upstream' port. http(s) is
replaced by ws(s) to connect.`, { placeholder: 'url' })
  @IsUrlOf(['http:', 'https:', 'ws:', 'wss:'])
  url = 'http://localhost:8001';

  @StringOption('Token (JWT) to authenticate with the Piko server.')
  token = '';

  @StringOption(`
Tenant ID of the agent (optional), sent as x-piko-tenant-id: the server then
verifies the token with that tenant's keys (upstream.tenants).`)
  tenantId = '';

  @DurationOption(`
Timeout connecting to the Piko server at start. Once connected, the agent
keeps reconnecting whenever the connection drops.`)
  timeout = 30_000;

  @Section(() => ClientTlsConfig)
  tls = new ClientTlsConfig();
}
