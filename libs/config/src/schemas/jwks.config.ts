import { DurationOption, StringOption } from '../lib/option.decorators';

export class JwksConfig {
  @StringOption(`
Endpoint to load the JSON Web Key Set from: an http(s) URL or a local file path.
When set, no other verification key may be set.`)
  endpoint = '';

  @DurationOption(`
How often to reload the JWK Set from a remote endpoint.`)
  cacheTtl = 3_600_000;

  @DurationOption(`
Timeout loading the JWK Set from a remote endpoint.`)
  timeout = 10_000;
}
