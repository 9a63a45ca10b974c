import { DurationOption, StringOption } from '../lib/option.decorators';

export class JwksConfig {
  @StringOption(`
Endpoint to load the JSON Web Key Set from: an https:// or http:// URL, a
file:// URL or a local file path. When set, no other verification key may be set.`)
  endpoint = '';

  @DurationOption(`
How often to reload the JWK Set (0: every hour). A token naming an unknown key
ID reloads it at once (at most every 30s).`)
  cacheTtl = 3_600_000;

  @DurationOption(`
Timeout loading the JWK Set from a remote endpoint (0: 10s).`)
  timeout = 10_000;
}
