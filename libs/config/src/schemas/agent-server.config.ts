import { IsBindAddr } from '../lib/address.validators';
import { BoolOption, StringOption } from '../lib/option.decorators';

/** Go Piko v0.9's agent `server`: the agent's own HTTP port for /metrics (and here /health). */
export class AgentServerConfig {
  @BoolOption(`
Whether to run the agent's metrics server: Prometheus metrics on /metrics and
liveness on /health. Disabled by default.`)
  enabled = false;

  @StringOption(`
Host/port the agent's metrics server listens on. Without a host it listens on
all interfaces: ':5000' listens on '0.0.0.0:5000'.`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = ':5000';
}
