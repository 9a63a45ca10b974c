import { BoolOption, DurationOption, Section, StringOption } from '../lib/option.decorators';
import { JwksConfig } from './jwks.config';

/**
 * How a port verifies client JWTs (Go Piko's `auth` block, pkg/auth/config.go, one per port and
 * one per upstream tenant). Authentication is on when any verification key or a JWKS endpoint is
 * set. `leeway` and `require_endpoints` are this build's additions (see docs/security.md).
 */
export class AuthConfig {
  @StringOption(`
Secret key to verify HMAC-signed (HS256/384/512) JWTs.`)
  hmacSecretKey = '';

  @StringOption(`
PEM public key to verify RSA-signed (RS256/384/512, PS256/384/512) JWTs: the
key's text, not a file name (on the command line "$(cat key.pem)").`)
  rsaPublicKey = '';

  @StringOption(`
PEM public key to verify ECDSA-signed (ES256/384/512) JWTs: the key's text,
not a file name.`)
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

  @DurationOption(`
Clock skew allowed when checking a token's 'exp' and 'nbf' claims (Go Piko
allows none). An upstream whose token expired is disconnected this long after
its 'exp'.`)
  leeway = 5_000;

  @BoolOption(`
Require every token to carry a non-empty 'piko.endpoints' claim. Without it
(Go Piko's behaviour) a token with no such claim may serve or reach every
endpoint. Set it when tokens are issued to parties that must not register or
reach each other's endpoints.`)
  requireEndpoints = false;

  @Section(() => JwksConfig)
  jwks = new JwksConfig();
}

export function authEnabled(auth: AuthConfig): boolean {
  return auth.hmacSecretKey !== '' || auth.rsaPublicKey !== '' || auth.ecdsaPublicKey !== '' || auth.jwks.endpoint !== '';
}
