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
