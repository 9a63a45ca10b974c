import { IsNotEmpty, ValidateIf } from 'class-validator';
import { BoolOption, StringOption } from '../lib/option.decorators';

/**
 * TLS when dialing a Piko port (Go Piko's agent/forward `connect.tls` and its servers'
 * `tls.client`): the client certificate for mutual TLS, the CAs that verify the server, and the
 * name checked against the server's certificate.
 */
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

  @StringOption(`
Server name to verify the server's certificate against (and to send as SNI),
instead of the host dialed: for connecting by IP to a certificate issued for
a host name.`)
  serverName = '';
}

