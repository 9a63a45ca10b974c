// Watches registrations arrive in routing tables: `readers` RoutingTables (libs/cluster, the code a
// proxy routes from) on the cluster's own Redis and NATS (default key and subject prefixes), each
// with its own clients like a proxy process. Records, per endpoint `<prefix><i>` (i < total), the
// first time each reader's routes() returned a gateway, as wall-clock ms (comparable with
// churn-client.mjs's times). Checked on every endpoint event (after the table applied it) and
// after every resync (a scan of the endpoints not seen yet).
// Usage: node routing-watch.mjs <cluster index.js> <redisUrl> <natsUrl> <readers> <prefix> <total> <deadlineMs> <seenFile>
// stdout: {"event":"ready"} once the tables loaded; at the end {"event":"done", seen:[per reader], stats:[RoutingTableStats]}.
// seenFile gets [[index, seenAtReader0|null, seenAtReader1|null, ...], ...]. Ends when every reader
// saw every endpoint, at the deadline, or on SIGTERM.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadClusterLib } from './lib/cluster-lib.mjs';

const [clusterIndex, redisUrl, natsUrl, readersArg, prefix, totalArg, deadlineArg, seenFile] = process.argv.slice(2);
const { RedisEndpointRegistry, NatsClusterBus, RoutingTable } = loadClusterLib(clusterIndex);
const readers = Number(readersArg);
const total = Number(totalArg);
const now = () => performance.timeOrigin + performance.now();
const indexOf = (endpointId) => (endpointId.startsWith(prefix) ? Number(endpointId.slice(prefix.length)) : -1);

const seen = Array.from({ length: readers }, () => new Array(total).fill(null));
const seenCount = new Array(readers).fill(0);
const tables = [];
const clients = [];

function mark(r, i, at) {
  if (i < 0 || i >= total || seen[r][i] !== null) return;
  seen[r][i] = at;
  seenCount[r]++;
}

for (let r = 0; r < readers; r++) {
  const registry = new RedisEndpointRegistry({ url: redisUrl });
  const bus = new NatsClusterBus({ servers: natsUrl, name: `routing-watch-${r}` });
  clients.push(registry, bus);
  const table = new RoutingTable({ registry, bus });
  tables.push(table);
  await bus.connected;
  await table.start();
  // Subscribed after the table: the dispatcher calls handlers in order, so the table has applied the event.
  bus.subscribe((event) => {
    if (event.type !== 'endpoint' || event.count === 0) return;
    if (table.routes(event.endpointId).length > 0) mark(r, indexOf(event.endpointId), now());
  });
  let resyncs = 0;
  table.on('update', () => {
    const { resyncsTotal } = table.stats();
    if (resyncsTotal === resyncs) return;
    resyncs = resyncsTotal;
    const at = now();
    for (let i = 0; i < total; i++) if (seen[r][i] === null && table.routes(`${prefix}${i}`).length > 0) mark(r, i, at);
  });
}
process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);

async function finish() {
  writeFileSync(seenFile, JSON.stringify(Array.from({ length: total }, (_, i) => [i, ...seen.map((s) => s[i])])));
  const stats = tables.map((t) => t.stats());
  process.stdout.write(`${JSON.stringify({ event: 'done', seen: seenCount, stats })}\n`);
  for (const t of tables) await t.close();
  for (const c of clients) await c.close();
  process.exit(0);
}
process.on('SIGTERM', () => void finish());
const deadline = Date.now() + Number(deadlineArg);
const timer = setInterval(() => {
  if (seenCount.every((n) => n >= total) || Date.now() > deadline) {
    clearInterval(timer);
    void finish();
  }
}, 100);
