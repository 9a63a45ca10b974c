import { BoolOption, Section, StringOption } from '../lib/option.decorators';
import { JwksConfig } from './jwks.config';

/**
 * How a port verifies client JWTs (Go Piko's `auth` block, one per port). Authentication is on
 * when any verification key or a JWKS endpoint is set.
 */
export class AuthConfig {
  @StringOption(`
Secret key to verify HMAC-signed (HS256/384/512) JWTs.`)
  hmacSecretKey = '';

  @StringOption(`
PEM public key to verify RSA-signed (RS*) JWTs.`)
  rsaPublicKey = '';

  @StringOption(`
PEM public key to verify ECDSA-signed (ES*) JWTs.`)
  ecdsaPublicKey = '';

  @StringOption(`
Required 'aud' claim. If empty the claim is not checked.`)
  audience = '';

  @StringOption(`
Required 'iss' claim. If empty the claim is not checked.`)
  issuer = '';

  @BoolOption(`
Whether to keep a client connected after its token expires. The expiry is
still checked when the client connects.`)
  disableDisconnectOnExpiry = false;

  @Section(() => JwksConfig)
  jwks = new JwksConfig();
}

export function authEnabled(auth: AuthConfig): boolean {
  return auth.hmacSecretKey !== '' || auth.rsaPublicKey !== '' || auth.ecdsaPublicKey !== '' || auth.jwks.endpoint !== '';
}
