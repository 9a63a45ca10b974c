// Piko's own compiled code (dist/out-tsc, from `npm run build`) for the deployment checks: the
// config loader, and the functions each role runs before its first port opens (TLS files, auth
// keys, the relay's authentication), so a rendered config is refused here exactly when the
// process would refuse it, not by a copy of its rules.
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const outTsc = join(root, 'dist/out-tsc');
let hooked = false;

/**
 * require() for a file of dist/out-tsc, with the @piko/* imports inside it resolved as
 * tsconfig.base.json's paths (to their compiled index.js), as tools/build.mjs's bundles do.
 * @param {string} path relative to dist/out-tsc, e.g. "libs/config/src/index.js"
 * @returns {any} the module's exports
 * @throws Error naming `npm run build` when dist/out-tsc is missing
 */
export function distRequire(path) {
  const file = join(outTsc, path);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  if (!hooked) {
    const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
    const alias = new Map(Object.entries(paths).map(([name, [source]]) => [name, join(outTsc, source.replace(/\.ts$/, '.js'))]));
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function resolvePiko(request, ...rest) {
      return resolve.call(this, alias.get(request) ?? request, ...rest);
    };
    hooked = true;
    createRequire(import.meta.url)('reflect-metadata');
  }
  return createRequire(import.meta.url)(file);
}

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** The listening blocks whose TLS each role loads at start, and the ports whose auth it loads. */
const ROLE_STARTUP = {
  proxy: { tls: ['ops', 'proxy'], auth: ['proxy'], relay: ['client'] },
  gateway: { tls: ['ops', 'upstream', 'relay'], auth: ['upstream'], relay: ['server'] },
  admin: { tls: ['admin'], auth: ['admin'], relay: [] },
  server: { tls: ['proxy', 'upstream', 'admin', 'relay'], auth: ['proxy', 'upstream', 'admin'], relay: ['client', 'server'] },
};

/**
 * Runs a role's start-up refusal on a loaded config, with Piko's own functions in the order the
 * node runs them (libs/<role>/src/node/*-node.ts): each served port's TLS files (serverTls), each
 * port's auth keys (loadAuthenticator), the relay options (relayClientOptions, which refuses an
 * unauthenticated proxy; relayServerOptions, an unauthenticated gateway).
 * @param {'proxy'|'gateway'|'admin'|'server'} role
 * @param {any} config a ServerConfig from loadConfig
 * @returns {Promise<string[]>} the refusals (ConfigError messages); empty when the role would start
 */
export async function startupRefusals(role, config) {
  const { serverTls } = distRequire('libs/runtime/src/tls/server-tls.js');
  const { loadAuthenticator } = distRequire('libs/auth/src/load-authenticator.js');
  const { relayClientOptions } = distRequire('libs/proxy/src/node/proxy-config.js');
  const { relayServerOptions } = distRequire('libs/gateway/src/node/gateway-config.js');
  const steps = ROLE_STARTUP[role];
  const refusals = [];
  const attempt = async (fn) => {
    try {
      return await fn();
    } catch (err) {
      refusals.push(err.message);
      return undefined;
    }
  };
  const tls = {};
  for (const block of steps.tls) tls[block] = await attempt(() => serverTls(config[block].tls, `${block}.tls`, quiet));
  for (const port of steps.auth) await attempt(() => loadAuthenticator(config, port, quiet));
  if (steps.relay.includes('client')) await attempt(() => relayClientOptions(config));
  if (steps.relay.includes('server')) await attempt(() => relayServerOptions(config, tls.relay));
  return refusals;
}
