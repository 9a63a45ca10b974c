import { logSafeUrl, tcpDialUrl, upstreamUrl } from './piko-url';

describe('piko urls', () => {
  it('maps http to ws and https to wss', () => {
    expect(upstreamUrl('http://localhost:8001', 'my-endpoint')).toBe('ws://localhost:8001/piko/v1/upstream/my-endpoint');
    expect(upstreamUrl('https://piko.example.com', 'a')).toBe('wss://piko.example.com/piko/v1/upstream/a');
    expect(upstreamUrl('ws://h:1', 'a')).toBe('ws://h:1/piko/v1/upstream/a');
  });

  it('keeps a path prefix, with or without a trailing slash', () => {
    expect(upstreamUrl('http://lb/piko-prod', 'a')).toBe('ws://lb/piko-prod/piko/v1/upstream/a');
    expect(upstreamUrl('http://lb/piko-prod/', 'a')).toBe('ws://lb/piko-prod/piko/v1/upstream/a');
    expect(tcpDialUrl('https://lb/x', 'db')).toBe('wss://lb/x/_piko/v1/tcp/db');
  });

  it('refuses other schemes', () => {
    expect(() => upstreamUrl('ftp://h', 'a')).toThrow(TypeError);
  });
});

describe('logSafeUrl', () => {
  it('keeps a password and query values out of log lines (a connect.url may carry them)', () => {
    expect(logSafeUrl('http://user:PASSWD99@127.0.0.1:8001/piko/v1/upstream/svc?token=QTOKEN77&x=1')).toBe(
      'http://redacted@127.0.0.1:8001/piko/v1/upstream/svc?token=***&x=***',
    );
    expect(logSafeUrl('https://piko.example.com/piko/v1/upstream/svc')).toBe('https://piko.example.com/piko/v1/upstream/svc');
    expect(logSafeUrl('not a url')).toBe('not a url');
  });
});
