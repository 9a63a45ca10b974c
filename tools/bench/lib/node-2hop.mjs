// The `node-2hop` baseline: what two plain Node processes do over the same two hops as Piko's
// edge and agent (see ../node-2hop.mjs). HTTP: client -> Node HTTP proxy (keep-alive agent) ->
// Node splice -> upstream. TCP: client -> Node splice -> Node splice -> service.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_2HOP = join(dirname(fileURLToPath(import.meta.url)), '..', 'node-2hop.mjs');

/** Spawns `node node-2hop.mjs <role> <targetPort>`; resolves { port, handle } once it listens. */
async function startHop(registry, name, role, targetPort) {
  let resolvePort;
  const port = new Promise((resolve) => {
    resolvePort = resolve;
  });
  const handle = registry.spawn(name, process.execPath, [NODE_2HOP, role, String(targetPort)], {
    onStdoutLine: (line) => resolvePort(JSON.parse(line).port),
  });
  return { port: await Promise.race([port, registry.failOnExit(handle)]), handle };
}

/**
 * HTTP: `node-edge` (proxy with a keep-alive agent) -> `node-agent` (splice) -> upstream.
 * Returns the shape of a PATHS entry's start(): { port, description, processes, stop() }.
 */
export async function startNode2Hop({ registry, upstreamPort }) {
  const splice = await startHop(registry, 'node-agent', 'splice', upstreamPort);
  let edge;
  try {
    edge = await startHop(registry, 'node-edge', 'http', splice.port);
  } catch (err) {
    await registry.stop(splice.handle);
    throw err;
  }
  return {
    port: edge.port,
    description: 'node http proxy (keep-alive agent) -> node tcp splice -> upstream',
    processes: [
      { name: 'node-edge', pid: edge.handle.pid },
      { name: 'node-agent', pid: splice.handle.pid },
    ],
    async stop() {
      await registry.stop(edge.handle);
      await registry.stop(splice.handle);
    },
  };
}

/**
 * TCP: for each of `targetPorts`, two splices in series (`node-splice-1` -> `node-splice-2` ->
 * target). One pair per target. Returns { ports, processes, description, stop() }.
 */
export async function startNodeSplices({ registry, targetPorts }) {
  const handles = [];
  const ports = [];
  const processes = [];
  try {
    for (const [i, target] of targetPorts.entries()) {
      const inner = await startHop(registry, `node-splice-2-${i}`, 'splice', target);
      handles.push(inner.handle);
      const outer = await startHop(registry, `node-splice-1-${i}`, 'splice', inner.port);
      handles.push(outer.handle);
      ports.push(outer.port);
      processes.push({ name: `node-splice-1-${i}`, pid: outer.handle.pid }, { name: `node-splice-2-${i}`, pid: inner.handle.pid });
    }
  } catch (err) {
    for (const h of handles.reverse()) await registry.stop(h);
    throw err;
  }
  return {
    ports,
    processes,
    description: 'node tcp splice -> node tcp splice -> service',
    async stop() {
      for (const h of [...handles].reverse()) await registry.stop(h);
    },
  };
}
