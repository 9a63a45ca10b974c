import { IsNotEmpty, ValidateIf } from 'class-validator';
import { BoolOption, StringOption } from '../lib/option.decorators';

/** TLS when dialing a Piko server (Go Piko's agent/forward `connect.tls`). */
export class ClientTlsConfig {
  @StringOption(`
Path to a PEM certificate to present to the server (mutual TLS).`)
  cert = '';

  @StringOption(`
Path to the PEM private key for the certificate.`)
  @ValidateIf((o: ClientTlsConfig) => o.cert !== '')
  @IsNotEmpty({ message: 'is required when cert is set' })
  key = '';

  @StringOption(`
Path to a PEM file of root certificate authorities to verify the server.
Defaults to the system's root CAs.`)
  rootCas = '';

  @BoolOption(`
Accept any certificate the server presents, and any host name in it.
For testing only.`)
  insecureSkipVerify = false;
}
