import { IsNatsServers, IsRedisUrl } from '../lib/address.validators';
import { DurationOption, Section, StringOption } from '../lib/option.decorators';
import { ClientTlsConfig } from './client-tls.config';
import { RegistryConfig } from './registry.config';

/** Cluster membership and coordination: NATS for events, Redis for the registry. */
export class ClusterConfig {
  @StringOption(`
A unique identifier for this node. By default a random ID is generated.`)
  nodeId = '';

  @StringOption(`
A prefix for a generated node ID: the ID is the prefix followed by a random
suffix, new at each start, as in Go Piko ('\${POD_NAME}-' gives 'piko-0-abc1234').`)
  nodeIdPrefix = '';

  @StringOption(`
NATS server URL(s), comma-separated, such as 'nats://10.0.0.1:4222', with
credentials 'nats://user:pass@host:4222' or a token 'nats://token@host:4222',
and 'tls://host:4222' for TLS (see cluster.nats_tls). Without NATS and Redis
the node runs on its own with in-memory coordination.`, { placeholder: 'urls' })
  @IsNatsServers()
  natsUrl = '';

  @StringOption(`
Redis URL for the cluster registry: 'redis://10.0.0.2:6379/0' (or rediss:// for
TLS, see cluster.redis_tls; an ACL user and password as
'redis://user:password@host:6379'),
'redis+sentinel://10.0.0.5:26379,10.0.0.6:26379/mymaster' for Sentinel, or
'redis+cluster://10.0.0.7:7000,10.0.0.8:7000' for Redis Cluster.`, { placeholder: 'url' })
  @IsRedisUrl()
  redisUrl = '';

  @StringOption(`
Path to a file holding the NKey seed ('SU…') this node authenticates to NATS
with (the server lists the user's public key). Instead of credentials in
cluster.nats_url.`, { placeholder: 'path' })
  natsNkeyFile = '';

  @StringOption(`
Path to a NATS credentials file (.creds, as 'nsc' writes it: the user JWT and its
NKey seed) for a nats-server in operator/JWT mode. Instead of credentials in
cluster.nats_url or cluster.nats_nkey_file.`, { placeholder: 'path' })
  natsCredsFile = '';

  @Section(() => ClientTlsConfig)
  natsTls = new ClientTlsConfig();

  @Section(() => ClientTlsConfig)
  redisTls = new ClientTlsConfig();

  @DurationOption(`
Interval at which a proxy reloads its whole routing table from the registry,
besides applying NATS events as they come.`)
  resyncInterval = 30_000;

  @Section(() => RegistryConfig)
  registry = new RegistryConfig();
}
