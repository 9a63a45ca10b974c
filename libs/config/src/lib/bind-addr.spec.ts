import { parseBindAddr } from './bind-addr';
import { ConfigError } from './config-error';

describe('parseBindAddr', () => {
  it.each([
    [':8000', '', 8000],
    ['127.0.0.1:8000', '127.0.0.1', 8000],
    ['[::1]:8000', '::1', 8000],
    ['localhost:0', 'localhost', 0],
    ['0.0.0.0:65535', '0.0.0.0', 65535],
  ])('parses %s', (addr, host, port) => {
    expect(parseBindAddr(addr)).toEqual({ host, port });
  });

  it.each(['8000', '', ':', ':65536', '::1:8000', '[::1]8000', 'host:port', 'a b:80', ':-1'])('rejects %j', (addr) => {
    expect(() => parseBindAddr(addr)).toThrow(ConfigError);
  });
});
