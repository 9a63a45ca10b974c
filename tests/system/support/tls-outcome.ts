import { execFile } from 'node:child_process';
import { request as httpsRequest, type RequestOptions } from 'node:https';

/** What a client got: an HTTP answer, or the error that came instead of one. */
export interface TlsOutcome {
  /** curl's exit code (0, 35 TLS handshake, 56 receive failure, 60 certificate not trusted…); 0 or -1 for Node. */
  exit: number;
  /** The HTTP status, or 0 when no answer came. */
  status: number;
  body: string;
  /** curl's stderr, or Node's error message ('' on success). */
  error: string;
}

/** The real curl; unlike support/curl it reports failures instead of throwing, since some are the point. */
export function curlOutcome(args: string[]): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '20', '-w', '\n%{http_code}', ...args], (err, stdout, stderr) => {
      const cut = stdout.lastIndexOf('\n');
      resolve({ exit: err ? Number((err as { code?: number }).code ?? -1) : 0, status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), error: stderr });
    });
  });
}

/**
 * A GET with Node's https client (`options` carry ca, cert, key, servername…): the answer, or the
 * error that came instead (a refused handshake, a certificate not trusted). Never rejects.
 */
export function httpsOutcome(url: string, options: RequestOptions = {}): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ...options, agent: false, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ exit: 0, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), error: '' }));
      res.once('error', (err) => resolve({ exit: -1, status: res.statusCode ?? 0, body: '', error: err.message }));
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (err) => resolve({ exit: -1, status: 0, body: '', error: err.message }));
    req.end();
  });
}
