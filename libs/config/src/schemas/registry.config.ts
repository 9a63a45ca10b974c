import { DurationOption, StringOption } from '../lib/option.decorators';

/** The Redis registry of nodes (leases) and endpoint ownership. */
export class RegistryConfig {
  @StringOption(`
Prefix of every Redis key Piko writes (as a hash tag: '{piko}:nodes'), so
several clusters can share a Redis.`)
  keyPrefix = 'piko';

  @DurationOption(`
Lifetime of a node's lease. A node that stops heartbeating is considered gone
after this, and its endpoints are ignored.`)
  leaseTtl = 10_000;

  @DurationOption(`
Interval between lease refreshes. Keep it well below lease-ttl.`)
  heartbeatInterval = 3_000;

  @DurationOption(`
Interval between sweeps that remove the entries of expired nodes.`)
  sweepInterval = 10_000;
}
