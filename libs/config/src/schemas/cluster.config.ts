import { IsNatsServers, IsRedisUrl } from '../lib/address.validators';
import { DurationOption, FloatOption, IntOption, Section, StringOption } from '../lib/option.decorators';
import { RegistryConfig } from './registry.config';

/** Cluster membership and coordination: NATS for events, Redis for the registry. */
export class ClusterConfig {
  @StringOption(`
A unique identifier for this node. By default a random ID is generated.`)
  nodeId = '';

  @StringOption(`
A prefix for a generated node ID, such as the pod name; a random suffix keeps
it unique across restarts.`)
  nodeIdPrefix = '';

  @StringOption(`
NATS server URL(s), comma-separated, such as 'nats://10.0.0.1:4222'. Without
NATS and Redis the node runs on its own with in-memory coordination.`, { placeholder: 'urls' })
  @IsNatsServers()
  natsUrl = '';

  @StringOption(`
Redis URL for the cluster registry: 'redis://10.0.0.2:6379/0' (or rediss://),
'redis+sentinel://10.0.0.5:26379,10.0.0.6:26379/mymaster' for Sentinel, or
'redis+cluster://10.0.0.7:7000,10.0.0.8:7000' for Redis Cluster.`, { placeholder: 'url' })
  @IsRedisUrl()
  redisUrl = '';

  @DurationOption(`
Interval at which a proxy reloads its whole routing table from the registry,
besides applying NATS events as they come.`)
  resyncInterval = 30_000;

  @FloatOption(`
Rebalancing starts when this node has more upstream connections than the
cluster average by more than this fraction (0.2 means 20% more).`, { min: 0 })
  rebalancingThreshold = 0.2;

  @FloatOption(`
Fraction of this node's upstream connections shed each second while
rebalancing.`, { min: 0 })
  rebalancingRate = 0.005;

  @DurationOption(`
Interval between checks of whether rebalancing is needed.`)
  rebalancingCheckInterval = 5_000;

  @IntOption(`
Nodes with fewer upstream connections than this never rebalance.`, { min: 0 })
  rebalancingMinConns = 10;

  @Section(() => RegistryConfig)
  registry = new RegistryConfig();
}
