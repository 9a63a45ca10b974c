// Times registration propagation through a real Redis and NATS with the cluster library's own
// measurement (libs/cluster measureRedisNatsPropagation): a gateway's registration of a new endpoint
// until every reader's RoutingTable (what a proxy routes from) shows it. Its own process, so its
// Redis/NATS clients and timers share nothing with the benchmark's.
// Usage: node propagation-client.mjs <cluster index.js> <redisUrl> <natsUrl> <samples> <readers>
// Prints one JSON line: { samples, timeouts, p50Ms, p99Ms, maxMs }.
import { loadClusterLib } from './lib/cluster-lib.mjs';

const [clusterIndex, redisUrl, natsUrl, samples, readers] = process.argv.slice(2);
// tsc emits CommonJS; require it rather than rely on ESM's guess at its named exports.
const { measureRedisNatsPropagation } = loadClusterLib(clusterIndex);

measureRedisNatsPropagation({ redisUrl, natsServers: natsUrl, samples: Number(samples), readers: Number(readers) }).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`propagation-client: ${err.stack ?? err}\n`);
    process.exit(1);
  },
);
