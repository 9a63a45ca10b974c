import { AuthError } from './auth-error';
import type { JwtVerifier } from './jwt-verifier';
import type { VerifiedToken } from './verified-token';

/**
 * Picks the verifier by tenant (Go Piko's MultiTenantVerifier, pkg/auth/multi_tenant_verifier.go).
 * Without a tenant ID the port's own keys verify, unless tenants are configured (then the
 * default tenant is off); an unknown tenant ID is refused. The proxy and admin ports have no
 * tenants, so any tenant ID there is unknown, as in Go Piko.
 */
export class TenantVerifier {
  constructor(
    private readonly defaultVerifier: JwtVerifier | undefined,
    private readonly tenants: ReadonlyMap<string, JwtVerifier> = new Map(),
  ) {}

  /**
   * @param token the compact JWT
   * @param tenantId '' for none
   * @throws AuthError 'unknown tenant' | 'invalid token' | 'expired token'
   */
  async verify(token: string, tenantId: string): Promise<VerifiedToken> {
    if (!tenantId) {
      if (this.tenants.size > 0 || !this.defaultVerifier) throw new AuthError('unknown tenant', 'no tenant ID, and tenants are configured');
      return this.defaultVerifier.verify(token);
    }
    const verifier = this.tenants.get(tenantId);
    if (!verifier) throw new AuthError('unknown tenant', `tenant ${JSON.stringify(tenantId.slice(0, 64))}`);
    return { ...(await verifier.verify(token)), tenantId };
  }
}
