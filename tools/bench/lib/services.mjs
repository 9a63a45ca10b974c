// Throwaway third-party services the cluster and TCP suites need: redis-server (the cluster's
// registry; redis-benchmark's target) and nats-server (the cluster's bus). Loopback only, ports
// from the OS, no persistence, stopped with the run like every other child.
import { existsSync } from 'node:fs';
import { freePort, log, waitForPort } from './processes.mjs';

export const REDIS_SERVER = process.env.BENCH_REDIS_SERVER ?? '/usr/bin/redis-server';
export const NATS_SERVER = process.env.BENCH_NATS_SERVER ?? '/usr/sbin/nats-server';

/** Thrown when a program the suite needs is not installed. */
export class ProgramMissingError extends Error {
  constructor(program, install) {
    super(`${program} not found; install it with: ${install}`);
    this.name = 'ProgramMissingError';
    this.code = 'PROGRAM_MISSING';
  }
}

export function assertProgram(path, install) {
  if (!existsSync(path)) throw new ProgramMissingError(path, install);
}

/** `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no`. Returns { port, url, handle }. */
export async function startRedis({ registry, name = 'redis-server' }) {
  assertProgram(REDIS_SERVER, 'apt-get install -y redis-server  (or set BENCH_REDIS_SERVER)');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  log(`${name}: ${REDIS_SERVER} ${args.map((a) => (a === '' ? "''" : a)).join(' ')}`);
  const handle = registry.spawn(name, REDIS_SERVER, args);
  await Promise.race([waitForPort(port, { what: name }), registry.failOnExit(handle)]);
  return { port, url: `redis://127.0.0.1:${port}`, handle };
}

/**
 * `nats-server -a 127.0.0.1 -p <free>`, with `monitor` also its HTTP monitoring (`-m <free>`: /varz
 * counts messages in and out). Returns { port, url, handle, monitorPort }.
 */
export async function startNats({ registry, name = 'nats-server', monitor = false }) {
  assertProgram(NATS_SERVER, 'apt-get install -y nats-server  (or set BENCH_NATS_SERVER)');
  const port = await freePort();
  const monitorPort = monitor ? await freePort() : undefined;
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(monitor ? ['-m', String(monitorPort)] : [])];
  log(`${name}: ${NATS_SERVER} ${args.join(' ')}`);
  const handle = registry.spawn(name, NATS_SERVER, args);
  await Promise.race([waitForPort(port, { what: name }), registry.failOnExit(handle)]);
  if (monitor) await Promise.race([waitForPort(monitorPort, { what: `${name} monitoring` }), registry.failOnExit(handle)]);
  return { port, url: `nats://127.0.0.1:${port}`, handle, monitorPort };
}
