import { IsNotEmpty, ValidateIf } from 'class-validator';
import { StringOption } from '../lib/option.decorators';

/** A listening port's TLS (Go Piko's server TLS block): on when a cert and key are given. */
export class TlsConfig {
  @StringOption(`
Path to the PEM certificate file. When set the port serves TLS.`)
  @ValidateIf((o: TlsConfig) => o.key !== '')
  @IsNotEmpty({ message: 'is required when key is set' })
  cert = '';

  @StringOption(`
Path to the PEM private key file.`)
  @ValidateIf((o: TlsConfig) => o.cert !== '')
  @IsNotEmpty({ message: 'is required when cert is set' })
  key = '';

  @StringOption(`
Path to a PEM file of client certificate authorities. When set, clients must
present a certificate signed by one of them (mutual TLS).`)
  clientCas = '';
}

export function tlsEnabled(tls: TlsConfig): boolean {
  return tls.cert !== '' || tls.key !== '';
}
