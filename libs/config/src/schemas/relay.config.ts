import { IsAdvertiseAddr, IsBindAddr } from '../lib/address.validators';
import { StringOption } from '../lib/option.decorators';

/** The cluster-internal port where proxies open relay streams to a gateway's upstreams. */
export class RelayConfig {
  @StringOption(`
Host/port the gateway listens on for relay links from proxies.`, { placeholder: 'addr' })
  @IsBindAddr()
  bindAddr = ':8003';

  @StringOption(`
Relay address proxies dial, such as the pod IP '10.26.104.45:8003'.
Defaults to the bind address's IP, or this host's private IP when it has none.`, { placeholder: 'addr' })
  @IsAdvertiseAddr()
  advertiseAddr = '';
}
