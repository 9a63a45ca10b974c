// @piko/auth: JWT verification for Piko's ports (Go Piko's pkg/auth and pkg/middleware/auth.go), with jose.
export { AuthError, type AuthFailure } from './auth-error';
export { type VerifiedToken, endpointPermitted } from './verified-token';
export { JwtVerifier, type JwtVerifierOptions, parsePublicKey } from './jwt-verifier';
export { JwksSource, type JwksSourceOptions, MAX_JWKS_BYTES } from './jwks-source';
export { TenantVerifier } from './tenant-verifier';
export {
  bearerCredential,
  type BearerCredential,
  PIKO_AUTHORIZATION_HEADER,
  removeCredential,
  TENANT_ID_HEADER,
  tenantIdFromHeaders,
} from './bearer-credential';
export { RequestAuthenticator, type AuthResult } from './request-authenticator';
export { loadAuthenticator, type AuthPort } from './load-authenticator';
export { sendAuthError, sendRawAuthError } from './auth-response';
export { atTime } from './expiry-timer';
export { httpAuthMiddleware, PROBE_PATHS } from './http-auth-middleware';
