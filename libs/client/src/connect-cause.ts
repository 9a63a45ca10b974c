import type { PikoPort } from './wrong-port';

/**
 * One line saying why a WebSocket connect failed before any HTTP response, from the socket/TLS/
 * parser error Node raised. Known confusions get a hint: a TLS port dialed with `http://` (the
 * server hangs up), a plain port dialed with `https://` (OpenSSL's "wrong version number"), a
 * port that does not speak HTTP at all (Piko's relay port). Anything else keeps Node's message
 * (`connect ECONNREFUSED 127.0.0.1:8001`), made one line.
 */
export function describeConnectCause(err: Error, url: string, port: PikoPort | undefined): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const oneLine = err.message.replace(/\s+/g, ' ').trim();
  const what = port ? `Piko's ${port} port` : 'a Piko port';
  if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(err.message)) {
    return `TLS handshake failed: the server does not speak TLS on this port (dial it with ${url.startsWith('wss:') ? 'http://' : 'a plain URL'})`;
  }
  if (code.startsWith('HPE_')) return `the answer is not HTTP (${oneLine}): not ${what} (Piko's relay port answers like this)`;
  if (oneLine === 'socket hang up' && url.startsWith('ws:')) {
    return 'socket hang up: the server closed the connection without answering (a TLS port dialed with http://?)';
  }
  return oneLine;
}
