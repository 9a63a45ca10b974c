import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { freePort, ManagedProcess } from '@piko/testing';
import { parse } from 'yaml';
import { PIKO_BIN } from './piko';
import { TcpBalancer } from './tcp-balancer';

/** One service of a Compose file, as far as running it natively needs. */
export interface ComposeService {
  image?: string;
  hostname?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string> | string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition?: string }> | string[];
  networks?: { default?: { aliases?: string[] } };
  /** Bind mounts `source:target[:ro]`; loadCompose makes relative sources absolute. */
  volumes?: string[];
}

/**
 * The services of a Compose file with YAML merge keys (`<<: *piko`) resolved and variables
 * interpolated from `env` as Compose does: `${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}` / `${VAR?error}` (throws the error when unset), `$$` for a literal `$`.
 */
export function loadCompose(path: string, env: Record<string, string>): Record<string, ComposeService> {
  const doc = parse(readFileSync(path, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const services = JSON.parse(JSON.stringify(doc.services), (_key, value: unknown) => (typeof value === 'string' ? interpolate(value, env) : value)) as Record<string, ComposeService>;
  // A bind mount's relative source is relative to the compose file, as Compose reads it.
  for (const s of Object.values(services)) s.volumes = s.volumes?.map((v) => (v.startsWith('.') ? resolve(dirname(path), v) : v));
  return services;
}

function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([?-])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (m === '$$') return '$';
    const name = braced ?? bare ?? '';
    const value = env[name];
    const missing = value === undefined || (colon === ':' && value === '');
    if (!missing) return value;
    if (op === '?') throw new Error(`compose: ${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

/**
 * The images' entrypoints and default ports, as the containers would run them: a Piko image
 * runs `node dist/apps/cli/main.js` (the Dockerfile's ENTRYPOINT, without tini); the nats image
 * prepends `nats-server` to flag-only commands; redis listens on 6379 unless told otherwise.
 */
const PIKO_IMAGE = /^piko:/;
const NATS_IMAGE = /^nats:/;
const REDIS_IMAGE = /^redis:/;
const REDIS_DEFAULT_PORT = 6379;

/**
 * Runs a Compose project's services natively on loopback: each service's ports (the ones its
 * command, healthcheck and peers name as `host:port` or `:port`) move to free loopback ports, and
 * every service name, hostname and network alias resolves to 127.0.0.1 (an alias shared by
 * several services is a round-robin TCP balancer, as Docker's DNS answers with all of them).
 */
export class NativeCompose {
  private readonly ports = new Map<string, Promise<number>>();
  private readonly allocated = new Set<number>();
  private readonly balancers: TcpBalancer[] = [];
  readonly processes = new Map<string, ManagedProcess>();
  private readonly names = new Map<string, string[]>();
  /** Each service's last healthcheck: its command line and outcome, for a failure message. */
  readonly lastHealthcheck = new Map<string, string>();

  constructor(readonly services: Record<string, ComposeService>) {
    for (const [name, s] of Object.entries(services)) {
      for (const host of [name, s.hostname, ...(s.networks?.default?.aliases ?? [])]) {
        const known = this.names.get(host ?? '') ?? [];
        if (host && !known.includes(name)) this.names.set(host, [...known, name]);
      }
    }
  }

  /** The loopback port standing for `service`'s container port (the same one for every caller, concurrent or not). */
  port(service: string, containerPort: number): Promise<number> {
    const key = `${service}:${containerPort}`;
    let port = this.ports.get(key);
    if (!port) this.ports.set(key, (port = this.allocate()));
    return port;
  }

  /** A free port no other key has: freePort() only knows what is bound now, so two calls before either binds can agree. */
  private async allocate(): Promise<number> {
    let port: number;
    do port = await freePort();
    while (this.allocated.has(port));
    this.allocated.add(port);
    return port;
  }

  /** Services in an order that starts each after what it depends on. */
  startOrder(): string[] {
    const order: string[] = [];
    const visit = (name: string) => {
      if (order.includes(name)) return;
      const deps = this.services[name].depends_on ?? [];
      for (const dep of Array.isArray(deps) ? deps : Object.keys(deps)) visit(dep);
      order.push(name);
    };
    for (const name of Object.keys(this.services)) visit(name);
    return order;
  }

  /** `text` with every `host:port` / `:port` of a known host (or 127.0.0.1: `self`) moved to its loopback port. */
  async rewrite(text: string, self: string): Promise<string> {
    const hosts = [...this.names.keys(), '127.0.0.1', 'localhost'].map((h) => h.replace(/[.]/g, '\\.')).join('|');
    const pattern = new RegExp(`(^|[/@=\\s'"(])(${hosts})?:(\\d{2,5})(?![\\w.])`, 'g');
    const replacements: string[] = [];
    for (const m of text.matchAll(pattern)) replacements.push(await this.address(m[2] ?? '', Number(m[3]), self));
    let i = 0;
    return text.replace(pattern, (_m, lead: string) => `${lead}${replacements[i++]}`);
  }

  private async address(host: string, containerPort: number, self: string): Promise<string> {
    if (host === '' || host === '127.0.0.1' || host === 'localhost') return `127.0.0.1:${await this.port(self, containerPort)}`;
    const targets = this.names.get(host) ?? [];
    if (targets.length === 1) return `127.0.0.1:${await this.port(targets[0], containerPort)}`;
    const ports = await Promise.all(targets.map((t) => this.port(t, containerPort)));
    const balancer = new TcpBalancer(() => ports);
    this.balancers.push(balancer);
    return `127.0.0.1:${await balancer.listen()}`;
  }

  /** A service's `environment` as its container gets it, hosts and ports moved as in its command. */
  async environment(name: string): Promise<Record<string, string>> {
    const e = this.services[name].environment ?? {};
    const entries = Array.isArray(e) ? e.map((x) => [x.split('=')[0], x.split('=').slice(1).join('=')]) : Object.entries(e);
    return Object.fromEntries(await Promise.all(entries.map(async ([k, v]) => [k, await this.rewrite(String(v), name)])));
  }

  /** `arg` naming a bind-mounted container path (alone, or as `--flag=path`) names its source file instead. */
  private unmount(name: string, arg: string): string {
    for (const v of this.services[name].volumes ?? []) {
      const [source, target] = v.split(':');
      if (arg === target) return source;
      if (arg.endsWith(`=${target}`)) return `${arg.slice(0, -target.length)}${source}`;
    }
    return arg;
  }

  /** The native argv of a service: its image's entrypoint with the command, ports and hosts moved, bind-mounted paths at their sources. */
  async argv(name: string): Promise<string[]> {
    const s = this.services[name];
    const image = s.image ?? '';
    const command = await Promise.all((s.command ?? []).map(async (a) => this.unmount(name, await this.rewrite(a, name))));
    if (NATS_IMAGE.test(image)) {
      const args = [...command];
      for (const flag of ['-p', '-m']) {
        const at = args.indexOf(flag);
        if (at >= 0) args[at + 1] = String(await this.port(name, Number(args[at + 1])));
      }
      return ['nats-server', '-a', '127.0.0.1', ...args];
    }
    if (REDIS_IMAGE.test(image)) return [...command, '--port', String(await this.port(name, REDIS_DEFAULT_PORT)), '--bind', '127.0.0.1'];
    if (!PIKO_IMAGE.test(image)) throw new Error(`${name}: no native stand-in for image ${image}`);
    if (s.entrypoint) {
      // `node -e <script>`: the script's listen(<port>) gets its loopback port, on loopback only.
      const script: string[] = [];
      for (const arg of command) {
        let out = arg;
        for (const m of arg.matchAll(/\.listen\((\d+)\)/g)) out = out.replace(m[0], `.listen(${await this.port(name, Number(m[1]))}, '127.0.0.1')`);
        script.push(out);
      }
      return [...s.entrypoint.map((e) => (e === 'node' ? process.execPath : e)), ...script];
    }
    return [process.execPath, PIKO_BIN, ...command];
  }

  /** Starts a service natively, with `env` and the service's own `environment` (which wins, as in its container). */
  async start(name: string, env: Record<string, string>): Promise<ManagedProcess> {
    const [command, ...args] = await this.argv(name);
    const child = ManagedProcess.start(name, command, args, { ...env, ...(await this.environment(name)) });
    this.processes.set(name, child);
    return child;
  }

  /** Runs a service's healthcheck once (CMD form, hosts and ports moved; redis-cli told the port; the service's environment, as `docker exec` gives it): exit 0 is healthy. */
  async healthy(name: string): Promise<boolean> {
    const test = this.services[name].healthcheck?.test;
    if (!test) return this.processes.get(name)?.running ?? false;
    if (test[0] !== 'CMD') throw new Error(`${name}: healthcheck ${test[0]} not supported`);
    let [command, ...args] = await Promise.all(test.slice(1).map((a) => this.rewrite(a, name)));
    if (command === 'redis-cli') args = ['-p', String(await this.port(name, REDIS_DEFAULT_PORT)), ...args];
    if (command === 'node') command = process.execPath;
    const environment = await this.environment(name);
    return new Promise((resolve) =>
      execFile(command, args, { timeout: 3_000, env: { ...process.env, ...environment } }, (err, stdout, stderr) => {
        this.lastHealthcheck.set(name, `${[command, ...args].join(' ')}: ${err ? err.message : 'ok'} ${stdout}${stderr}`);
        resolve(!err);
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop('SIGKILL')));
    await Promise.all(this.balancers.map((b) => b.close()));
  }
}
