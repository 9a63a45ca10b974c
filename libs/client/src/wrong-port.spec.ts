import { wrongPortReason } from './wrong-port';

describe('wrongPortReason', () => {
  it("recognises Piko's proxy port answering an upstream connect", () => {
    expect(wrongPortReason('upstream', 400, 'missing endpoint id')).toBe(
      `not Piko's upstream port: it answered 400 "missing endpoint id" as Piko's proxy port does (the upstream port is 8001 by default)`,
    );
    expect(wrongPortReason('upstream', 502, 'no available upstreams')).toMatch(/^not Piko's upstream port: it answered 502 "no available upstreams" as Piko's proxy port does/);
  });

  it('calls any 404 the wrong port, naming the expected one', () => {
    expect(wrongPortReason('upstream', 404, 'Not Found')).toBe(`not Piko's upstream port: it answered 404 "Not Found" (the upstream port is 8001 by default)`);
    expect(wrongPortReason('proxy', 404, 'not found')).toBe(`not Piko's proxy port: it answered 404 "not found" (the proxy port is 8000 by default)`);
  });

  it('leaves every other refusal alone', () => {
    expect(wrongPortReason('upstream', 503, 'gateway is shutting down')).toBeUndefined();
    expect(wrongPortReason('upstream', 502, '<html>Bad Gateway</html>')).toBeUndefined();
    expect(wrongPortReason('proxy', 502, 'no available upstreams')).toBeUndefined();
    expect(wrongPortReason('upstream', 400, 'bad request')).toBeUndefined();
  });
});
