import { clientAddress } from './client-address';

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
