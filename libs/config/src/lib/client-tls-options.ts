import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { ClientTlsConfig } from '../schemas/client-tls.config';
import { ConfigError } from './config-error';

/**
 * Node TLS options for dialing a Piko port from a client TLS block (`connect.tls`,
 * `relay.tls.client`), or undefined when nothing is set (a `wss://` URL then verifies against the
 * system's root CAs). Mirrors Go Piko's `ClientTLSConfig.Load`: `cert`/`key` → client
 * certificate, `root_cas` → trusted CAs, `insecure_skip_verify` → no verification,
 * `server_name` → the name verified and sent as SNI. Reads the files now; throws ConfigError
 * naming the key (`<key>.root_cas: cannot read …`) when one cannot be read. `key` is the block's
 * config path, such as 'connect.tls'.
 */
export function clientTlsOptions(tls: ClientTlsConfig, key: string): ConnectionOptions | undefined {
  if (!tls.cert && !tls.key && !tls.rootCas && !tls.insecureSkipVerify && !tls.serverName) return undefined;
  const problems: string[] = [];
  const read = (name: string, path: string): Buffer | undefined => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      problems.push(`${keyAndFlag(`${key}.${name}`)}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return undefined;
    }
  };
  const options: ConnectionOptions = {
    cert: read('cert', tls.cert),
    key: read('key', tls.key),
    ca: read('root_cas', tls.rootCas),
    rejectUnauthorized: !tls.insecureSkipVerify,
  };
  if (options.ca && !options.ca.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${keyAndFlag(`${key}.root_cas`)}: ${tls.rootCas} holds no PEM certificate`);
  if (tls.serverName) {
    options.servername = tls.serverName;
    // Verify against server_name instead of the host dialed (Go's tls.Config.ServerName does both).
    options.checkServerIdentity = (_host, cert) => checkServerIdentity(tls.serverName, cert);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}

/** 'connect.tls.root_cas' -> 'connect.tls.root_cas (--connect.tls.root-cas)': the key and the flag that set it. List items have no flag. */
function keyAndFlag(keyPath: string): string {
  return keyPath.includes('[') ? keyPath : `${keyPath} (--${keyPath.replace(/_/g, '-')})`;
}
