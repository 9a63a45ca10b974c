import { IsBindAddr } from '../lib/address.validators';
import { BoolOption, StringOption } from '../lib/option.decorators';

/** Go Piko v0.9's agent `server`: the agent's own HTTP port for /metrics (and here /health and /status). */
export class AgentServerConfig {
  @BoolOption(`
Whether to run the agent's metrics server: Prometheus metrics on /metrics,
liveness on /health and each listener's connection on /status (JSON).
Disabled by default.`)
  enabled = false;

  @StringOption(`
Host/port the agent's metrics server listens on. Without a host it listens on
all interfaces: ':5000' listens on '0.0.0.0:5000'.`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = ':5000';
}
