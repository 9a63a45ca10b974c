import { IsNotEmpty } from 'class-validator';
import { IsPortOrHostPort } from '../lib/address.validators';
import { StringOption } from '../lib/option.decorators';

/** One local port `piko forward` listens on, and the endpoint it forwards to. */
export class PortConfig {
  @StringOption("Local address to listen on: a port ('3000', meaning localhost) or host:port.")
  @IsPortOrHostPort()
  addr = '';

  @StringOption('Endpoint ID to forward connections to.')
  @IsNotEmpty({ message: 'is required' })
  endpointId = '';
}
