import { IsNotEmpty, registerDecorator } from 'class-validator';
import { Section, StringOption } from '../lib/option.decorators';
import { AuthConfig, authEnabled } from './auth.config';

/**
 * An upstream tenant (Go Piko's `upstream.tenants[]`, server/config/config.go TenantConfig): agents
 * that send `x-piko-tenant-id: <id>` are verified with this tenant's keys instead of
 * `upstream.auth`. Once any tenant is configured, a connection without a tenant ID is refused.
 */
export class TenantConfig {
  @StringOption('Tenant ID, as the agent sends it (connect.tenant_id).')
  @IsNotEmpty({ message: 'is required' })
  id = '';

  @Section(() => AuthConfig)
  @IsAuthEnabled()
  auth = new AuthConfig();
}

// Go Piko refuses a tenant without a verification key ("tenant auth disabled"): there is no
// point in a tenant anyone can claim.
function IsAuthEnabled(): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isAuthEnabled',
      target: target.constructor,
      propertyName: String(property),
      options: { message: 'a tenant needs a verification key: set hmac_secret_key, rsa_public_key, ecdsa_public_key or jwks.endpoint' },
      validator: { validate: (value: unknown) => value instanceof AuthConfig && authEnabled(value) },
    });
}
