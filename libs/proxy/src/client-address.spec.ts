import type { IncomingMessage } from 'node:http';
import { clientAddress, compileTrustedProxies, originalClientAddress, peerIsTrusted } from './client-address';

function request(remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  const socket = { remoteAddress };
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { socket, connection: socket, headers } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  it('writes an IPv4-mapped IPv6 address as plain IPv4', () => {
    expect(clientAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientAddress('::FFFF:203.0.113.9')).toBe('203.0.113.9');
  });

  it('leaves IPv4, real IPv6 and lookalikes alone', () => {
    expect(clientAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(clientAddress('::1')).toBe('::1');
    expect(clientAddress('2001:db8::ffff:1')).toBe('2001:db8::ffff:1');
    expect(clientAddress('::ffff:abcd')).toBe('::ffff:abcd');
  });

  it('is empty when the address is unknown', () => {
    expect(clientAddress(undefined)).toBe('');
  });
});

describe('originalClientAddress (proxy.trusted_proxies)', () => {
  const trusted = compileTrustedProxies(['10.0.0.0/8', '192.168.1.1', '2001:db8::/32']);

  it('trusts nobody by default: the socket address, whatever X-Forwarded-For says', () => {
    expect(compileTrustedProxies([])).toBeUndefined();
    expect(originalClientAddress(request('::ffff:203.0.113.9', '1.2.3.4'), undefined)).toBe('203.0.113.9');
  });

  it('an untrusted peer is the client', () => {
    expect(originalClientAddress(request('203.0.113.9', '1.2.3.4'), trusted)).toBe('203.0.113.9');
  });

  it('from a trusted peer: the rightmost untrusted X-Forwarded-For address, walking past trusted ones', () => {
    expect(originalClientAddress(request('10.0.0.2', '6.6.6.6, 198.51.100.4, 10.9.9.9'), trusted)).toBe('198.51.100.4');
    expect(originalClientAddress(request('::ffff:192.168.1.1', '198.51.100.4'), trusted)).toBe('198.51.100.4');
    expect(originalClientAddress(request('2001:db8::5', '2001:db9::7'), trusted)).toBe('2001:db9::7');
  });

  it('all trusted: the leftmost; no header: the peer', () => {
    expect(originalClientAddress(request('10.0.0.2', '10.0.0.3, 10.0.0.4'), trusted)).toBe('10.0.0.3');
    expect(originalClientAddress(request('10.0.0.2'), trusted)).toBe('10.0.0.2');
  });

  it('peerIsTrusted reads the socket only', () => {
    expect(peerIsTrusted(request('10.0.0.2'), trusted)).toBe(true);
    expect(peerIsTrusted(request('11.0.0.2', '10.0.0.1'), trusted)).toBe(false);
    expect(peerIsTrusted(request('10.0.0.2'), undefined)).toBe(false);
  });

  it('refuses an entry that is not a CIDR or an address', () => {
    expect(() => compileTrustedProxies(['10.0.0.0/33'])).toThrow(TypeError);
    expect(() => compileTrustedProxies(['not-an-ip'])).toThrow(TypeError);
  });
});
