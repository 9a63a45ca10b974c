import { parseHostPort } from './host-port';

describe('parseHostPort', () => {
  it('accepts a port, :port, host:port and [v6]:port', () => {
    expect(parseHostPort(3000)).toEqual({ host: 'localhost', port: 3000 });
    expect(parseHostPort('3000')).toEqual({ host: 'localhost', port: 3000 });
    expect(parseHostPort(':3000')).toEqual({ host: 'localhost', port: 3000 });
    expect(parseHostPort('10.0.0.1:22')).toEqual({ host: '10.0.0.1', port: 22 });
    expect(parseHostPort('[::1]:5432')).toEqual({ host: '::1', port: 5432 });
  });

  it('rejects nonsense', () => {
    expect(() => parseHostPort('localhost')).toThrow(TypeError);
    expect(() => parseHostPort('h:0')).toThrow(TypeError);
    expect(() => parseHostPort('h:70000')).toThrow(TypeError);
  });
});
