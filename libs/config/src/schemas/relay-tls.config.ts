import { IsNotEmpty, ValidateIf } from 'class-validator';
import { Section, StringOption } from '../lib/option.decorators';
import { ClientTlsConfig } from './client-tls.config';

/**
 * TLS on the cluster-internal relay link (`relay.tls`). The gateway serves it with `cert`/`key`
 * and, with `client_cas`, requires a proxy certificate signed by one of them (mutual TLS, which
 * authenticates the link). Proxies dial the relay over TLS when `cert`/`key` are set in their
 * config too (one config for the whole cluster, as Go Piko's `proxy.tls` + `proxy.tls.client`),
 * presenting and verifying with `client.*`.
 */
export class RelayTlsConfig {
  @StringOption(`
Path to the PEM certificate of the gateway's relay port. When set, the relay
link is TLS: gateways serve it and proxies dial it with TLS.`)
  @ValidateIf((o: RelayTlsConfig) => o.key !== '')
  @IsNotEmpty({ message: 'is required when key is set' })
  cert = '';

  @StringOption(`
Path to the PEM private key of the relay certificate.`)
  @ValidateIf((o: RelayTlsConfig) => o.cert !== '')
  @IsNotEmpty({ message: 'is required when cert is set' })
  key = '';

  @StringOption(`
Path to a PEM file of CAs that sign proxies' client certificates. When set,
a gateway accepts only relay connections presenting such a certificate
(mutual TLS).`)
  clientCas = '';

  @Section(() => ClientTlsConfig)
  client = new ClientTlsConfig();
}
