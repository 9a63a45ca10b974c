import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { ClientTlsConfig } from '@piko/config';

/** TLS options for dialing Piko from `connect.tls`; undefined when nothing is configured. */
export function clientTlsOptions(tls: ClientTlsConfig): ConnectionOptions | undefined {
  if (!tls.cert && !tls.rootCas && !tls.insecureSkipVerify) return undefined;
  return {
    cert: tls.cert ? readFileSync(tls.cert) : undefined,
    key: tls.key ? readFileSync(tls.key) : undefined,
    ca: tls.rootCas ? readFileSync(tls.rootCas) : undefined,
    rejectUnauthorized: !tls.insecureSkipVerify,
  };
}
