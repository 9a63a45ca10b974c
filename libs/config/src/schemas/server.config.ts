import { DurationOption, Section } from '../lib/option.decorators';
import { AdminConfig } from './admin.config';
import { ClusterConfig } from './cluster.config';
import { LogConfig } from './log.config';
import { OpsConfig } from './ops.config';
import { ProxyConfig } from './proxy.config';
import { RelayConfig } from './relay.config';
import { UpstreamConfig } from './upstream.config';

/** Config of `piko server` and of the proxy, gateway and admin services (Go Piko's server config). */
export class ServerConfig {
  @Section(() => ProxyConfig)
  proxy = new ProxyConfig();

  @Section(() => UpstreamConfig)
  upstream = new UpstreamConfig();

  @Section(() => AdminConfig)
  admin = new AdminConfig();

  @Section(() => RelayConfig)
  relay = new RelayConfig();

  @Section(() => OpsConfig)
  ops = new OpsConfig();

  @Section(() => ClusterConfig)
  cluster = new ClusterConfig();

  @Section(() => LogConfig)
  log = new LogConfig();

  @DurationOption(`
Maximum time after SIGTERM or SIGINT to shut down gracefully: finish
in-flight requests, close upstream connections and leave the cluster.`)
  gracePeriod = 60_000;
}
