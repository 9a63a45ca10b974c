import { describeConnectCause } from './connect-cause';

const error = (message: string, code?: string) => Object.assign(new Error(message), { code });

describe('describeConnectCause', () => {
  it("keeps Node's message for ordinary failures", () => {
    expect(describeConnectCause(error('connect ECONNREFUSED 127.0.0.1:8001', 'ECONNREFUSED'), 'ws://127.0.0.1:8001/x', 'upstream')).toBe('connect ECONNREFUSED 127.0.0.1:8001');
  });

  it('says a plain port was dialed with https://, in one line', () => {
    const err = error('write EPROTO 80BC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:\n', 'EPROTO');
    expect(describeConnectCause(err, 'wss://127.0.0.1:8001/x', 'upstream')).toBe('TLS handshake failed: the server does not speak TLS on this port (dial it with http://)');
  });

  it('says the answer was not HTTP', () => {
    const err = error('Parse Error: Expected HTTP/, RTSP/ or ICE/', 'HPE_INVALID_CONSTANT');
    expect(describeConnectCause(err, 'ws://127.0.0.1:8003/x', 'upstream')).toBe(
      "the answer is not HTTP (Parse Error: Expected HTTP/, RTSP/ or ICE/): not Piko's upstream port (Piko's relay port answers like this)",
    );
  });

  it('suggests https:// when a plain connect is hung up on', () => {
    expect(describeConnectCause(error('socket hang up', 'ECONNRESET'), 'ws://127.0.0.1:8001/x', 'upstream')).toMatch(/a TLS port dialed with http:\/\/\?/);
    expect(describeConnectCause(error('socket hang up', 'ECONNRESET'), 'wss://127.0.0.1:8001/x', 'upstream')).toBe('socket hang up');
  });
});

describe('describeConnectCause: certificates', () => {
  const url = 'wss://127.0.0.1:8001/x';
  const afterHandshake = { handshakeDone: true, clientCertificate: true };

  it('says the server requires a client certificate', () => {
    const err = error('80AC:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:rec_layer_s3.c:1601:SSL alert number 116', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(describeConnectCause(err, url, 'upstream')).toBe('TLS handshake failed: the server requires a client certificate (mutual TLS): set connect.tls.cert and connect.tls.key');
  });

  it("names the alert of a server that refused the client certificate (Go's servers send one)", () => {
    const err = error('80AC:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:rec_layer_s3.c:1601:SSL alert number 48', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    expect(describeConnectCause(err, url, 'upstream')).toMatch(/^TLS handshake failed: the server refused the client certificate \(alert unknown ca\): .*client_cas$/);
  });

  it('takes a close right after the handshake, with a client certificate presented, as a refusal of it (a Node server sends no alert)', () => {
    expect(describeConnectCause(error('socket hang up', 'ECONNRESET'), url, 'upstream', afterHandshake)).toMatch(/^TLS handshake failed: the server refused the client certificate \(it closed the connection right after the handshake\)/);
    expect(describeConnectCause(error('socket hang up', 'ECONNRESET'), url, 'upstream', { handshakeDone: false, clientCertificate: true })).toBe('socket hang up');
    expect(describeConnectCause(error('socket hang up', 'ECONNRESET'), url, 'upstream', { handshakeDone: true, clientCertificate: false })).toBe('socket hang up');
  });

  it("says the server's certificate is not trusted, or not for this host, keeping Node's words", () => {
    expect(describeConnectCause(error('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), url, 'upstream')).toBe(
      "TLS: the server's certificate is not trusted (self-signed certificate): give the CA that signed it in connect.tls.root_cas",
    );
    expect(describeConnectCause(error("Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ", 'ERR_TLS_CERT_ALTNAME_INVALID'), url, 'upstream')).toMatch(
      /^TLS: the server's certificate is not for this host \(Hostname\/IP does not match certificate's altnames: .*\): dial a name it was issued for, or set connect\.tls\.server_name to one$/,
    );
    expect(describeConnectCause(error('certificate has expired', 'CERT_HAS_EXPIRED'), url, 'upstream')).toBe("TLS: the server's certificate has expired (certificate has expired)");
  });
});
