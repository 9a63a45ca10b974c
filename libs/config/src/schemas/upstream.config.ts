import { IsAdvertiseAddr, IsBindAddr, IsOriginList } from '../lib/address.validators';
import { DurationOption, ListOption, Section, SectionList, StringOption } from '../lib/option.decorators';
import { AuthConfig } from './auth.config';
import { MuxConfig } from './mux.config';
import { TenantConfig } from './tenant.config';
import { RebalanceConfig } from './rebalance.config';
import { TlsConfig } from './tls.config';

/** The upstream port, where agents and SDK upstreams connect (Go Piko's `upstream`). */
export class UpstreamConfig {
  @StringOption(`
Host/port to listen on for upstream connections. Without a host it listens on
all interfaces: ':8001' listens on '0.0.0.0:8001'.`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = ':8001';

  @StringOption(`
Upstream address to advertise to other nodes, such as '10.26.104.45:8001'.`, { placeholder: 'addr' })
  @IsAdvertiseAddr()
  advertiseAddr = '';

  @Section(() => AuthConfig)
  auth = new AuthConfig();

  @Section(() => RebalanceConfig)
  rebalance = new RebalanceConfig();

  @Section(() => TlsConfig)
  tls = new TlsConfig();

  @SectionList(() => TenantConfig, `
Tenants, each with its own verification keys (YAML only). An upstream names
its tenant with the x-piko-tenant-id header (the agent's connect.tenant_id);
once a tenant is configured, upstreams without one are refused.`)
  tenants: TenantConfig[] = [];

  @Section(() => MuxConfig)
  mux = new MuxConfig();

  @DurationOption(`
Maximum duration to read a connection's request head (the WebSocket upgrade)
from its arrival; a connection still without one is closed. 0 means no limit.
(Not a Go Piko key: Go's upstream port has no limit; Node's default, 60s, let
idle connections to this port use up the descriptors of every port.)`)
  readHeaderTimeout = 10_000;

  @ListOption(`
Origins allowed to open an upstream WebSocket besides the port's own (an
Origin whose host is the request's Host), such as 'https://ops.example.com',
or '*' for any. A handshake without an Origin header (agents, SDKs: only
browsers send one) is always accepted; any other is refused with 403.`, { placeholder: 'origins' })
  @IsOriginList()
  allowedOrigins: string[] = [];
}
