import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Linux's range for the local ports of outgoing connections ("low high"). */
const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
/** Lowest port handed out: clear of the well-known and most registered service ports. */
const LOWEST_PORT = 10_000;
/** Fewer candidates than this below the ephemeral range: let the OS pick instead. */
const MIN_CANDIDATES = 1_000;
const MAX_ATTEMPTS = 200;
/**
 * The Fetch Standard's "bad ports" at or above LOWEST_PORT (https://fetch.spec.whatwg.org/#bad-port):
 * Node's fetch and Chromium refuse to connect to them (`fetch failed`, cause `bad port`), so a
 * server a test probes with fetch or a page could never be reached there.
 */
const FETCH_BAD_PORTS = new Set([10_080]);

/** Ports this process has handed out: a test may not have bound one yet, so it is never given twice. */
const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a server a test is about to start.
 *
 * Picked at random below the kernel's ephemeral range, not by listening on port 0: a port from
 * that range, once the probe closes it, can be taken by any outgoing connection's local port
 * before the server binds it (seen: a gateway failing with `--relay.bind-addr …: address already
 * in use` while the test's other processes were connecting). Below the range only another
 * listener can take it, and the probe has just seen there is none. Fetch's bad ports are skipped
 * (a readiness probe by fetch on 10080 failed for 60 s in CI). Where the range cannot be read
 * (not Linux) or leaves too little room, the OS picks, as before.
 *
 * @throws Error when no free port turns up in 200 tries.
 */
export async function freePort(): Promise<number> {
  const range = candidateRange();
  if (!range) return osPickedPort();
  const [low, high] = range;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port) || FETCH_BAD_PORTS.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${MAX_ATTEMPTS} tries between ${low} and ${high}`);
}

/** [low, high] of the ports below the ephemeral range, or undefined to let the OS pick. */
function candidateRange(): [number, number] | undefined {
  let ephemeralLow: number;
  try {
    ephemeralLow = Number(readFileSync(EPHEMERAL_RANGE_FILE, 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return undefined;
  }
  const high = ephemeralLow - 1;
  return Number.isInteger(ephemeralLow) && high - LOWEST_PORT >= MIN_CANDIDATES ? [LOWEST_PORT, high] : undefined;
}

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function osPickedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
