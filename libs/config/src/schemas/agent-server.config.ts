import { IsBindAddr } from '../lib/address.validators';
import { BoolOption, StringOption } from '../lib/option.decorators';

/** The agent's own metrics/health server (Go Piko's agent `server`). */
export class AgentServerConfig {
  @BoolOption('Whether to run the agent metrics server.')
  enabled = false;

  @StringOption(`
Host/port for the agent metrics server. Without a host it listens on all
interfaces.`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = ':5000';
}
