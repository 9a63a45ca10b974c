import { IsUrlOf } from '../lib/address.validators';
import { DurationOption, Section, StringOption } from '../lib/option.decorators';
import { ClientTlsConfig } from './client-tls.config';

/** How `piko forward` reaches Piko's proxy port. */
export class ForwardConnectConfig {
  @StringOption(`
Piko server URL to connect to: the server's 'proxy' port.`, { placeholder: 'url' })
  @IsUrlOf(['http:', 'https:', 'ws:', 'wss:'])
  url = 'http://localhost:8000';

  @StringOption('Token (JWT) to authenticate with the Piko server.')
  token = '';

  @DurationOption('Timeout connecting to the Piko server.')
  timeout = 30_000;

  @Section(() => ClientTlsConfig)
  tls = new ClientTlsConfig();
}
