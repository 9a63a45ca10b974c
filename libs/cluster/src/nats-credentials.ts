import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { type ConnectionOptions, nkeyAuthenticator } from 'nats';

/** How the bus authenticates to NATS besides what the URLs carry. */
export interface NatsAuthOptions {
  /** An NKey seed (the `SU…` text of a `.nk` file): the server must list the user's public key. */
  nkeySeed?: string;
  /** TLS: CAs to verify the server, a client certificate; on with a `tls://` URL or when given. */
  tls?: TlsConnectionOptions;
}

/**
 * The nats.js connect options for a list of server URLs: nats.js ignores credentials written in
 * a URL, so they are taken out here and passed as its options. `nats://user:pass@host:4222` →
 * user/pass, `nats://token@host:4222` → token; every URL that has credentials must carry the same
 * ones. Throws TypeError when they differ or when an NKey seed is combined with URL credentials.
 * The returned `servers` carry no credentials.
 */
export function natsConnectOptions(servers: string[], auth: NatsAuthOptions = {}): Pick<ConnectionOptions, 'servers' | 'user' | 'pass' | 'token' | 'authenticator' | 'tls'> {
  let userinfo: string | undefined;
  const bare = servers.map((server) => {
    const match = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@(.*)$/i.exec(server);
    if (!match) return server;
    if (userinfo !== undefined && userinfo !== match[2]) throw new TypeError('cluster.nats_url: every NATS URL with credentials must carry the same ones');
    userinfo = match[2];
    return `${match[1]}${match[3]}`;
  });
  const options: Pick<ConnectionOptions, 'servers' | 'user' | 'pass' | 'token' | 'authenticator' | 'tls'> = { servers: bare };
  if (userinfo !== undefined) {
    if (auth.nkeySeed) throw new TypeError('cluster.nats_url carries credentials and cluster.nats_nkey_file is set: use one');
    const colon = userinfo.indexOf(':');
    if (colon === -1) options.token = decodeURIComponent(userinfo);
    else {
      options.user = decodeURIComponent(userinfo.slice(0, colon));
      options.pass = decodeURIComponent(userinfo.slice(colon + 1));
    }
  }
  if (auth.nkeySeed) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(auth.nkeySeed.trim()));
  if (auth.tls || bare.some((s) => s.startsWith('tls://'))) {
    const { ca, cert, key, rejectUnauthorized } = auth.tls ?? {};
    // nats.js hands these to tls.connect; it verifies the server unless told otherwise.
    options.tls = { ca, cert, key, ...(rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) } as ConnectionOptions['tls'];
  }
  return options;
}
