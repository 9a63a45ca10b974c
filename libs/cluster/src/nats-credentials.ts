import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { type ConnectionOptions, credsAuthenticator, nkeyAuthenticator } from 'nats';

/** How the bus authenticates to NATS besides what the URLs carry. */
export interface NatsAuthOptions {
  /** An NKey seed (the `SU…` text of a `.nk` file): the server must list the user's public key. */
  nkeySeed?: string;
  /** A `.creds` file's text: a user JWT and its NKey seed, for a server in operator (JWT) mode. */
  creds?: string;
  /** TLS: CAs to verify the server, a client certificate; on with a `tls://` URL or when given. */
  tls?: TlsConnectionOptions;
}

/**
 * The nats.js connect options for a list of server URLs: nats.js ignores credentials written in
 * a URL, so they are taken out here and passed as its options. `nats://user:pass@host:4222` →
 * user/pass, `nats://token@host:4222` → token; every URL that has credentials must carry the same
 * ones. Throws TypeError when they differ, when more than one of URL credentials, an NKey seed
 * and a creds file is given, or when the creds text holds no user JWT and seed (checked by
 * signing a test nonce with it, so a bad file fails at start rather than at every connect).
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
    if (auth.creds) throw new TypeError('cluster.nats_url carries credentials and cluster.nats_creds_file is set: use one');
    const colon = userinfo.indexOf(':');
    if (colon === -1) options.token = decodeURIComponent(userinfo);
    else {
      options.user = decodeURIComponent(userinfo.slice(0, colon));
      options.pass = decodeURIComponent(userinfo.slice(colon + 1));
    }
  }
  if (auth.nkeySeed && auth.creds) throw new TypeError('cluster.nats_nkey_file and cluster.nats_creds_file are both set: use one');
  if (auth.nkeySeed) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(auth.nkeySeed.trim()));
  if (auth.creds) {
    const authenticator = credsAuthenticator(new TextEncoder().encode(auth.creds));
    try {
      authenticator('piko-creds-check');
    } catch {
      // nats.js' own error names neither the file nor what is missing.
      throw new TypeError('cluster.nats_creds_file: not a NATS credentials file (want the "NATS USER JWT" and "USER NKEY SEED" blocks nsc writes)');
    }
    options.authenticator = authenticator;
  }
  if (auth.tls || bare.some((s) => s.startsWith('tls://'))) {
    const { ca, cert, key, rejectUnauthorized } = auth.tls ?? {};
    // nats.js hands these to tls.connect; it verifies the server unless told otherwise.
    options.tls = { ca, cert, key, ...(rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) } as ConnectionOptions['tls'];
  }
  return options;
}
