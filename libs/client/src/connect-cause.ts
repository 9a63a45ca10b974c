import type { PikoPort } from './wrong-port';

/** What the client knows of the TLS side of a failed `wss://` connect. */
export interface TlsConnectState {
  /** The TLS handshake completed (from the client's side) before the failure. */
  handshakeDone: boolean;
  /** The client had a certificate to present (mutual TLS). */
  clientCertificate: boolean;
}

// Node's codes for a server certificate the client cannot verify (OpenSSL's X509_V_ERR_* names).
const UNTRUSTED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

// TLS alerts a server sends about the client's certificate (RFC 8446 §6.2), as OpenSSL names them.
const CLIENT_CERT_ALERT = /alert (bad certificate|unsupported certificate|certificate revoked|certificate expired|certificate unknown|unknown ca|access denied)/i;

const CLIENT_CERT_RULE = "it must be valid, for client authentication, and signed by a CA in the server's client_cas";

/**
 * One line saying what went wrong with TLS when `err` is a certificate problem, else undefined:
 * a server certificate the client does not trust, that has expired or names another host, and
 * mutual TLS refusals: no client certificate (the server's "certificate required" alert) or one
 * the server refused (its alert, or, from a Node server, which sends none, a close right after
 * the handshake: needs `tls`). Node's own words are kept in parentheses; hints name the client's
 * TLS block `tlsKey` (`connect.tls` for the agent and forward, `admin.tls` for `piko status`).
 */
export function describeTlsFailure(err: Error, tlsKey: string, tls?: TlsConnectState): string | undefined {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const oneLine = err.message.replace(/\s+/g, ' ').trim();
  if (/alert certificate required/i.test(err.message)) {
    return `TLS handshake failed: the server requires a client certificate (mutual TLS): set ${tlsKey}.cert and ${tlsKey}.key`;
  }
  const alert = CLIENT_CERT_ALERT.exec(err.message);
  if (alert) return `TLS handshake failed: the server refused the client certificate (${alert[0]}): ${CLIENT_CERT_RULE}`;
  if (UNTRUSTED_CODES.has(code)) return `TLS: the server's certificate is not trusted (${oneLine}): give the CA that signed it in ${tlsKey}.root_cas`;
  if (code === 'CERT_HAS_EXPIRED') return `TLS: the server's certificate has expired (${oneLine})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS: the server's certificate is not for this host (${oneLine}): dial a name it was issued for, or set ${tlsKey}.server_name to one`;
  }
  const hungUp = oneLine === 'socket hang up' || code === 'ECONNRESET' || code === 'EPIPE';
  if (hungUp && tls?.handshakeDone && tls.clientCertificate) {
    // A Node server (Piko's ports) refuses an untrusted client certificate by closing the
    // connection once the handshake is over, without an alert: the likeliest reason for a close there.
    return `TLS handshake failed: the server refused the client certificate (it closed the connection right after the handshake): ${CLIENT_CERT_RULE}`;
  }
  return undefined;
}

/**
 * One line saying why a WebSocket connect failed before any HTTP response, from the socket/TLS/
 * parser error Node raised. Known confusions get a hint: a TLS port dialed with `http://` (the
 * server hangs up), a plain port dialed with `https://` (OpenSSL's "wrong version number"), a
 * port that does not speak HTTP at all (Piko's relay port), and certificate problems on either
 * side (describeTlsFailure, with the CLI's `connect.tls` keys). Anything else keeps Node's
 * message (`connect ECONNREFUSED 127.0.0.1:8001`), made one line.
 */
export function describeConnectCause(err: Error, url: string, port: PikoPort | undefined, tls?: TlsConnectState): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const oneLine = err.message.replace(/\s+/g, ' ').trim();
  const what = port ? `Piko's ${port} port` : 'a Piko port';
  if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(err.message)) {
    return `TLS handshake failed: the server does not speak TLS on this port (dial it with ${url.startsWith('wss:') ? 'http://' : 'a plain URL'})`;
  }
  const tlsFailure = describeTlsFailure(err, 'connect.tls', tls);
  if (tlsFailure) return tlsFailure;
  if (code.startsWith('HPE_')) return `the answer is not HTTP (${oneLine}): not ${what} (Piko's relay port answers like this)`;
  if (oneLine === 'socket hang up' && url.startsWith('ws:')) {
    return 'socket hang up: the server closed the connection without answering (a TLS port dialed with http://?)';
  }
  return oneLine;
}
