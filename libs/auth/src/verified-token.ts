/**
 * A token that passed verification (Go Piko's auth.Token, pkg/auth/verifier.go).
 */
export interface VerifiedToken {
  /**
   * When the connection it authorises must end (ms since the epoch): the `exp` claim plus the
   * configured leeway. Undefined when the token has no `exp`, or `disable_disconnect_on_expiry`.
   */
  readonly disconnectAt: number | undefined;
  /** The `piko.endpoints` claim; empty when absent. */
  readonly endpoints: readonly string[];
  /** Set by `auth.require_endpoints`: an empty `endpoints` then permits nothing instead of everything. */
  readonly requireEndpoints: boolean;
  /** The tenant whose keys verified the token (from `x-piko-tenant-id`); undefined for the port's own keys. */
  readonly tenantId: string | undefined;
}

/**
 * Whether the token may serve (upstream port) or reach (proxy port) `endpointId`. As Go Piko's
 * Token.EndpointPermitted: a token without endpoints may use every endpoint, unless
 * `require_endpoints` is set, in which case it may use none.
 */
export function endpointPermitted(token: VerifiedToken, endpointId: string): boolean {
  if (token.endpoints.length === 0) return !token.requireEndpoints;
  return token.endpoints.includes(endpointId);
}
