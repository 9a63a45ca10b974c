import { IsNotEmpty, ValidateIf } from 'class-validator';
import { DurationOption, StringOption } from '../lib/option.decorators';

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

  @DurationOption(`
Maximum duration of a client's TLS handshake, from its connection; a client
that has not finished by then is disconnected. 0 means no limit. (Not a Go
Piko key: Go's proxy port bounds the handshake by its read-header-timeout, 10s;
its upstream and admin ports do not bound it.)`)
  handshakeTimeout = 10_000;
}

export function tlsEnabled(tls: TlsConfig): boolean {
  return tls.cert !== '' || tls.key !== '';
}
