import { IsGracePeriod } from '../lib/grace-period';
import { DurationOption, Section } from '../lib/option.decorators';
import { refuseKeys } from '../lib/refused-keys';
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
  @IsGracePeriod()
  gracePeriod = 60_000;

  @DurationOption(`
Time after SIGTERM or SIGINT during which a proxy, gateway, admin or
server keeps accepting connections while /ready answers 503, before it drains (within
grace_period, which starts after this delay). Kubernetes endpoints,
kube-proxy and ingress controllers keep sending to a terminating pod for a
few seconds; set this above that lag (the Helm chart uses 5s). Not a Go
Piko key (Go Piko stops accepting at once); 0 (the default) does the same.`)
  shutdownDelay = 0;
}

// Go Piko's guide runs N identical `piko server` nodes that find each other by gossip
// (`cluster.join: [piko]`); here the same shape is N replicas of `piko server` with the cluster URLs.
const CLUSTER = `Go Piko's gossip cluster does not exist here: nodes share state through NATS and Redis. Replace it with cluster.nats_url and cluster.redis_url (--cluster.nats-url, --cluster.redis-url): piko server with both is a combined node, and N replicas of it work like Go Piko's StatefulSet (or run piko proxy, piko gateway and piko admin to scale each tier)`;
const KUBERNETES_DOC = 'docs/kubernetes.md';
const TLS_ENABLED = 'is not a Go Piko v0.9 key (Go Piko removed it in v0.7): TLS is on when cert and key are set; remove it';
const TLS_CLIENT = `Go Piko's client TLS for forwarding between server nodes: here proxies reach gateways over the relay link, so set relay.tls (cert, key, client_cas) and relay.tls.client instead`;

// Go Piko v0.9 server keys with no meaning in this build, each with what replaces it.
refuseKeys(ServerConfig, [
  { path: 'cluster.join', reason: CLUSTER, allowEmpty: true, doc: KUBERNETES_DOC },
  { path: 'cluster.join_timeout', reason: CLUSTER, doc: KUBERNETES_DOC },
  { path: 'cluster.abort_if_join_fails', reason: CLUSTER, flagTakesValue: false, doc: KUBERNETES_DOC },
  { path: 'cluster.gossip', reason: `${CLUSTER}. The relay port (relay.bind_addr) uses :8003, Go's gossip port`, doc: KUBERNETES_DOC },
  ...(['proxy', 'upstream', 'admin'] as const).flatMap((port) => [
    { path: `${port}.tls.enabled`, reason: TLS_ENABLED, flagTakesValue: false },
    { path: `${port}.tls.client`, reason: TLS_CLIENT, allowEmpty: true },
  ]),
  // This project's own earlier names, from an unreleased Go Piko branch.
  { path: 'cluster.rebalancing_threshold', reason: 'renamed upstream.rebalance.threshold, as Go Piko v0.9 names it' },
  { path: 'cluster.rebalancing_rate', reason: 'renamed upstream.rebalance.shed_rate (now a fraction of the cluster average per second, as in Go Piko v0.9)' },
  { path: 'cluster.rebalancing_min_conns', reason: 'renamed upstream.rebalance.min_conns, as Go Piko v0.9 names it' },
  { path: 'cluster.rebalancing_check_interval', reason: 'renamed upstream.rebalance.check_interval' },
]);
