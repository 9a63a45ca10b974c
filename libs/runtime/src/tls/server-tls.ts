import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import { ConfigError, type TlsConfig } from '@piko/config';
import type { Logger } from '@piko/observability';

/** The files of a listening port's TLS: `<port>.tls.cert`, `.key` and (mutual TLS) `.client_cas`. */
export interface ServerTlsFiles {
  cert: string;
  key: string;
  /** '' for none: clients are not asked for a certificate. */
  clientCas: string;
  /**
   * `<port>.tls.handshake_timeout` in ms: a connection whose TLS handshake has not finished this
   * long after it arrived is closed (0: never; Node's own default is 120 s). Default 10 s.
   */
  handshakeTimeoutMs?: number;
}

export interface ServerTlsOptions {
  /** How often the files are checked for changes, in ms (fs.watchFile's stat polling; default 1000). */
  pollIntervalMs?: number;
}

/** The files' contents, as `tls.createSecureContext` takes them. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/**
 * Cipher suites every TLS port offers: TLS 1.3's three, and for TLS 1.2 only ECDHE key exchange
 * (forward secrecy) with AES-GCM, ChaCha20-Poly1305 or AES-CBC, as Go's crypto/tls offers by
 * default since Go 1.22. Node's default list ends in OpenSSL's `HIGH`, which let a TLS 1.2 client
 * settle on RSA key exchange (`AES128-SHA`: no forward secrecy) with an RSA certificate.
 */
export const SERVER_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
].join(':');

/** `handshake_timeout`'s default, in ms: Go's proxy port allows a handshake its 10 s read-header-timeout. */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Wait after the last file change before reloading, in ms: a rotation writes cert and key one after the other. */
const SETTLE_MS = 100;

/**
 * One listening port's TLS, reloaded when its files change: no restart, and no connection is
 * dropped (Node's `server.setSecureContext` applies to new handshakes only). Loaded once at start,
 * where a missing or bad file is a ConfigError naming the key, so the process fails before the
 * port opens. A later change that does not load (a half-written rotation: new cert, old key) is
 * logged and the port keeps serving the last good certificate until the files load again.
 *
 * Files are polled with `fs.watchFile` (stat by path): that sees in-place writes, renames over
 * the path and Kubernetes' Secret volume swaps (a symlink re-pointed) alike, where `fs.watch`
 * misses some. Like Go Piko's server TLS (`server/config/tls.go`): with `client_cas` the client
 * must present a certificate signed by one of them (RequireAndVerifyClientCert).
 */
export class ServerTls {
  private current: TlsFiles;
  private readonly servers = new Set<TlsServer>();
  private readonly pollIntervalMs: number;
  private watching = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly onChange = (): void => {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.reload(), SETTLE_MS);
    this.settleTimer.unref();
  };

  /**
   * Reads and checks the files now. Throws ConfigError (`<key>.cert: cannot read …`,
   * `<key>: certificate and key do not match …`) when they do not make a working TLS context.
   * `key` is the config path of the block, such as 'proxy.tls', used in messages and logs.
   */
  constructor(
    private readonly files: ServerTlsFiles,
    readonly key: string,
    private readonly logger: Logger,
    options: ServerTlsOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    const loaded = loadServerTlsFiles(files, key);
    if (typeof loaded === 'string') throw new ConfigError([loaded]);
    this.current = loaded.context;
    this.logLoaded(loaded.certificate, 'tls certificate loaded');
  }

  /** Whether clients must present a certificate (mutual TLS). */
  get mutual(): boolean {
    return this.files.clientCas !== '';
  }

  /**
   * Options for `https.createServer` / `tls.createServer`: the current context, client-certificate
   * checks under mutual TLS, the handshake timeout (ms) and the cipher suites (SERVER_CIPHERS).
   */
  serverOptions(): TlsFiles & { requestCert: boolean; rejectUnauthorized: boolean; handshakeTimeout: number; ciphers: string } {
    return { ...this.current, requestCert: this.mutual, rejectUnauthorized: this.mutual, handshakeTimeout: this.handshakeTimeoutMs, ciphers: SERVER_CIPHERS };
  }

  /** `<port>.tls.handshake_timeout` in ms (0: no limit). */
  get handshakeTimeoutMs(): number {
    return this.files.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  }

  /**
   * Keeps `server`'s context current from now on (and starts watching the files), closes every
   * connection whose handshake failed or timed out, and logs those at debug level: a scanner or a
   * client with the wrong CA is not the operator's error.
   */
  attach(server: TlsServer): void {
    this.servers.add(server);
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket) => {
      // Node closes it only when nothing else listens: a plain tls.Server never does, and an
      // https.Server not when it has a 'clientError' listener, which cannot answer into a
      // connection without TLS. Left open, one client held every descriptor of the process.
      socket.destroy();
      // Node refuses an untrusted client certificate by closing the socket (err is only 'socket
      // hang up'); the verification error it found is on the socket.
      if (socket.authorizationError) {
        this.logger.debug('tls client certificate refused', { port: this.key, remoteAddr: socket.remoteAddress, reason: String(socket.authorizationError) });
      }
      else this.logger.debug('tls handshake failed', { port: this.key, remoteAddr: socket.remoteAddress, code: err.code, err: err.message });
    });
    if (!this.watching) {
      this.watching = true;
      for (const path of this.paths()) watchFile(path, { persistent: false, interval: this.pollIntervalMs }, this.onChange);
    }
  }

  /** Stops updating `server`; the file watch ends with the last server detached. */
  detach(server: object): void {
    this.servers.delete(server as TlsServer);
    if (this.servers.size > 0 || !this.watching) return;
    this.watching = false;
    clearTimeout(this.settleTimer);
    for (const path of this.paths()) unwatchFile(path, this.onChange);
  }

  /** Reads the files again and, if they load, serves them on every attached server; returns whether it did. */
  reload(): boolean {
    const loaded = loadServerTlsFiles(this.files, this.key);
    if (typeof loaded === 'string') {
      this.logger.warn('tls files changed but do not load; still serving the previous certificate', { port: this.key, err: loaded });
      return false;
    }
    this.current = loaded.context;
    for (const server of this.servers) server.setSecureContext({ ...this.current, ciphers: SERVER_CIPHERS });
    this.logLoaded(loaded.certificate, 'tls certificate reloaded');
    return true;
  }

  private paths(): string[] {
    return [this.files.cert, this.files.key, this.files.clientCas].filter((path) => path !== '');
  }

  private logLoaded(certificate: X509Certificate, message: string): void {
    const notAfter = new Date(certificate.validTo);
    const fields = { port: this.key, subject: certificate.subject.replace(/\n/g, ', '), notAfter: notAfter.toISOString(), mutual: this.mutual };
    if (notAfter.getTime() < Date.now()) this.logger.warn(`${message}, but it has expired`, fields);
    else this.logger.info(message, fields);
  }
}

/**
 * The port's TLS for a config block, or undefined when `cert`/`key` are not set (plain text).
 * `handshakeTimeout` (ms) is the block's `handshake_timeout`; the relay's block has none (the
 * relay server bounds its whole handshake by `relay.header_timeout`). Throws ConfigError like the
 * ServerTls constructor.
 */
export function serverTls(
  config: Pick<TlsConfig, 'cert' | 'key' | 'clientCas'> & { handshakeTimeout?: number },
  key: string,
  logger: Logger,
  options?: ServerTlsOptions,
): ServerTls | undefined {
  if (!config.cert && !config.key) return undefined;
  return new ServerTls({ cert: config.cert, key: config.key, clientCas: config.clientCas, handshakeTimeoutMs: config.handshakeTimeout }, key, logger, options);
}

/** The files as a secure context's options and the leaf certificate, or a message naming what is wrong. */
function loadServerTlsFiles(files: ServerTlsFiles, key: string): { context: TlsFiles; certificate: X509Certificate } | string {
  const read = (name: 'cert' | 'key' | 'client_cas', path: string): Buffer | string => {
    try {
      return readFileSync(path);
    } catch (err) {
      return `${key}.${name}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  };
  const cert = read('cert', files.cert);
  if (typeof cert === 'string') return cert;
  const privateKey = read('key', files.key);
  if (typeof privateKey === 'string') return privateKey;
  let ca: Buffer | undefined;
  if (files.clientCas) {
    const text = read('client_cas', files.clientCas);
    if (typeof text === 'string') return text;
    // createSecureContext ignores a CA file without a certificate in it: mutual TLS would then refuse everyone.
    if (!text.includes('-----BEGIN CERTIFICATE-----')) return `${key}.client_cas: ${files.clientCas} holds no PEM certificate`;
    ca = text;
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (err) {
    return `${key}.cert: ${files.cert} is not a PEM certificate: ${(err as Error).message}`;
  }
  const context: TlsFiles = { cert, key: privateKey, ca };
  try {
    createSecureContext(context);
  } catch (err) {
    return `${key}: ${files.cert} and ${files.key} do not make a TLS context: ${(err as Error).message}`;
  }
  return { context, certificate };
}
