import { registerDecorator, type ValidationArguments } from 'class-validator';
import proxyAddr from 'proxy-addr';
import { trySplitHostPort } from './bind-addr';

// Address and URL checks shared by the schemas. Each accepts '' where the option is optional
// (an unset advertise address or Redis URL means "not used"), so defaults stay valid.

function check(name: string, message: string, ok: (value: string) => boolean, optional: boolean): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(property),
      options: { message: (args: ValidationArguments) => `${message} (got ${JSON.stringify(args.value)})` },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') return false;
          if (optional && value === '') return true;
          return ok(value);
        },
      },
    });
  };
}

/** A listen address, as Go's net.Listen takes it: ':8000', '127.0.0.1:8000', '[::1]:8000'. */
export function IsBindAddr(): PropertyDecorator {
  return check('isBindAddr', 'must be host:port, such as :8000 or 127.0.0.1:8000', (v) => trySplitHostPort(v) !== undefined, false);
}

/** An address other nodes can dial: host:port with a host, or '' to derive it from the bind address. */
export function IsAdvertiseAddr(): PropertyDecorator {
  return check('isAdvertiseAddr', 'must be host:port with a host, such as 10.0.0.4:8000', (v) => !!trySplitHostPort(v)?.host, true);
}

function parsesAsUrl(value: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.host !== '';
  } catch {
    // Not a URL at all: the validator reports it with the key's path.
    return false;
  }
}

export function IsUrlOf(protocols: readonly string[], optional = false): PropertyDecorator {
  const schemes = protocols.map((p) => p.replace(/:$/, '')).join(', ');
  return check('isUrlOf', `must be a URL with scheme ${schemes}`, (v) => parsesAsUrl(v, protocols), optional);
}

/**
 * The registry's Redis: a redis:// or rediss:// URL, or a list of host:port after
 * redis+sentinel:// (with the master name as path) or redis+cluster:// (see @piko/cluster).
 */
export function IsRedisUrl(): PropertyDecorator {
  return check(
    'isRedisUrl',
    'must be redis://host:port, rediss://…, redis+sentinel://host:port,…/master or redis+cluster://host:port,…',
    (v) => {
      const multi = /^redis\+(sentinel|cluster):\/\/(?:[^@/]*@)?([^/]+)(?:\/(.*))?$/.exec(v);
      if (!multi) return parsesAsUrl(v, ['redis:', 'rediss:']);
      const [, kind, hosts, path] = multi;
      return (kind === 'cluster' || !!path) && hosts.split(',').every((h) => !!trySplitHostPort(h)?.host);
    },
    true,
  );
}

/** NATS server list: comma-separated 'nats://host:port' or 'host:port' entries, as the nats client takes. */
export function IsNatsServers(): PropertyDecorator {
  return check(
    'isNatsServers',
    'must be a comma-separated list of nats://host:port or host:port',
    (v) =>
      v.split(',').every((part) => {
        const s = part.trim();
        return parsesAsUrl(s, ['nats:', 'tls:', 'ws:', 'wss:']) || !!trySplitHostPort(s)?.host;
      }),
    true,
  );
}

/** An agent listener's upstream address: a port, host:port or URL (see normalizeListenerAddr). */
export function IsUpstreamAddr(): PropertyDecorator {
  return check('isUpstreamAddr', 'must be a port, host:port or URL', (v) => isUpstreamAddr(v), false);
}

/** A local address for `piko forward` to listen on: a port ('3000', meaning localhost) or host:port. */
export function IsPortOrHostPort(): PropertyDecorator {
  return check('isPortOrHostPort', 'must be a port or host:port', (v) => /^\d{1,5}$/.test(v) ? Number(v) < 0xffff : trySplitHostPort(v) !== undefined, false);
}

function isUpstreamAddr(value: string): boolean {
  if (/^\d{1,5}$/.test(value)) return Number(value) < 0xffff;
  if (parsesAsUrl(value, ['http:', 'https:'])) return true;
  return !!trySplitHostPort(value)?.host;
}

/** A WebSocket origin allow-list: each entry `*` or an origin, `scheme://host[:port]` without a path. */
export function IsOriginList(): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'isOriginList',
      target: target.constructor,
      propertyName: String(property),
      options: {
        message: (args: ValidationArguments) =>
          `each entry must be * or an origin such as https://app.example.com (scheme://host[:port], no path) (got ${JSON.stringify(args.value)})`,
      },
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every((entry) => typeof entry === 'string' && (entry === '*' || isOrigin(entry))),
      },
    });
  };
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    // new URL adds a "/" path to "https://a.example": the origin must be exactly what was written.
    return url.host !== '' && url.origin.toLowerCase() === value.toLowerCase().replace(/\/$/, '') && !value.endsWith('/');
  } catch {
    return false;
  }
}

/**
 * `proxy.trusted_proxies`: each entry a CIDR (`10.0.0.0/8`, `2001:db8::/32`), a single IPv4 or
 * IPv6 address, or one of proxy-addr's names `loopback`, `linklocal`, `uniquelocal` (what the
 * proxy compiles them with, so whatever passes here compiles there).
 */
export function IsTrustedProxyList(): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'isTrustedProxyList',
      target: target.constructor,
      propertyName: String(property),
      options: {
        message: (args: ValidationArguments) =>
          `must list CIDRs (10.0.0.0/8, 2001:db8::/32) or IP addresses (got ${JSON.stringify((args.value as unknown[]).find((v) => !isTrustedProxyEntry(v)))})`,
      },
      validator: {
        validate: (value: unknown): boolean => Array.isArray(value) && value.every(isTrustedProxyEntry),
      },
    });
  };
}

function isTrustedProxyEntry(entry: unknown): boolean {
  if (typeof entry !== 'string') return false;
  try {
    proxyAddr.compile(entry);
    return true;
  } catch {
    return false;
  }
}
