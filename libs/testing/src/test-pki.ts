import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './find-binary';

/** Paths of a PEM certificate and its private key. */
export interface CertFiles {
  cert: string;
  key: string;
}

export interface IssueOptions {
  /** Subject common name. */
  cn: string;
  /** Signing CA (default: the PKI's own CA). */
  ca?: CertFiles;
  /** Validity in days; negative issues a certificate that has already expired (default 2). */
  days?: number;
  /** subjectAltName entries (default `IP:127.0.0.1,IP:::1,DNS:localhost`). */
  san?: string;
  /** 'server' (default) or 'client' extended key usage. */
  usage?: 'server' | 'client';
  /** The leaf's key: 'ec' (P-256, default) or 'rsa' (2048 bits), for what only an RSA certificate allows (RSA key exchange). */
  keyType?: 'ec' | 'rsa';
}

/**
 * A throwaway PKI for tests, made with the real `openssl` binary in a temporary directory: a CA,
 * and certificates it (or another CA) signs, valid, expired, for servers or clients. EC P-256 keys
 * keep generation fast on a loaded machine.
 */
export class TestPki {
  readonly ca: CertFiles;
  private readonly openssl = findBinary('openssl');
  private serial = 0;

  private constructor(readonly dir: string) {
    this.ca = this.newCa('piko-test-ca');
  }

  static create(): TestPki {
    return new TestPki(mkdtempSync(join(tmpdir(), 'piko-pki-')));
  }

  /** A new self-signed CA (another trust root than `ca`). */
  newCa(cn: string): CertFiles {
    const files = this.files(cn);
    this.run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.key, '-out', files.cert, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return files;
  }

  /** A leaf certificate signed by `options.ca` (default the PKI's CA). */
  issue(options: IssueOptions): CertFiles {
    const { cn, ca = this.ca, days = 2, san = 'IP:127.0.0.1,IP:::1,DNS:localhost', usage = 'server', keyType = 'ec' } = options;
    const files = this.files(`${cn}-${++this.serial}`);
    const csr = `${files.cert}.csr`;
    const ext = `${files.cert}.ext`;
    writeFileSync(ext, `basicConstraints=CA:FALSE\nsubjectAltName=${san}\nextendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}\n`);
    const newKey = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    this.run(['req', ...newKey, '-nodes', '-keyout', files.key, '-out', csr, '-subj', `/CN=${cn}`]);
    this.run(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', String(days), '-extfile', ext, '-out', files.cert]);
    return files;
  }

  /**
   * A self-signed server certificate (its own issuer, no CA behind it), as an operator makes with
   * one openssl command: clients trust it only if given the certificate itself as a root, or told
   * to skip verification.
   */
  selfSigned(options: Pick<IssueOptions, 'cn' | 'san'>): CertFiles {
    const { cn, san = 'IP:127.0.0.1,IP:::1,DNS:localhost' } = options;
    const files = this.files(`${cn}-${++this.serial}`);
    this.run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.key, '-out', files.cert, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', `subjectAltName=${san}`, '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth']);
    return files;
  }

  read(path: string): Buffer {
    return readFileSync(path);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private files(name: string): CertFiles {
    return { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
  }

  private run(args: string[]): void {
    execFileSync(this.openssl, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
