import { IsNotEmpty } from 'class-validator';
import { IsUpstreamAddr } from '../lib/address.validators';
import { BoolOption, DurationOption, EnumOption, Section, StringOption } from '../lib/option.decorators';
import { ClientTlsConfig } from './client-tls.config';

export const LISTENER_PROTOCOLS = ['http', 'tcp'] as const;
export type ListenerProtocol = (typeof LISTENER_PROTOCOLS)[number];

/** One endpoint the agent registers, and the local service it forwards to (Go Piko's agent listener). */
export class ListenerConfig {
  @StringOption('Endpoint ID to register.')
  @IsNotEmpty({ message: 'is required' })
  endpointId = '';

  @StringOption(`
Address of the local service: a port ('3000', meaning localhost), host:port or
URL ('http://localhost:3000').`)
  @IsUpstreamAddr()
  addr = '';

  @EnumOption(LISTENER_PROTOCOLS, "Protocol to forward: 'http' or 'tcp'.")
  protocol: ListenerProtocol = 'http';

  @BoolOption('Whether to log each forwarded request.')
  accessLog = true;

  @DurationOption('Timeout forwarding a request to the local service.')
  timeout = 15_000;

  @Section(() => ClientTlsConfig)
  tls = new ClientTlsConfig();
}
