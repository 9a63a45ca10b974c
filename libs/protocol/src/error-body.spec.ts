import { errorBody } from './error-body';
import { ENDPOINT_HEADER } from './headers';

describe('errorBody', () => {
  it("matches Go Piko's json.Encoder output", () => {
    expect(errorBody('no available upstreams')).toBe('{"error":"no available upstreams"}\n');
  });
  it('escapes like Go: quotes, <, >, &', () => {
    expect(errorBody('a "b" <c> & d')).toBe('{"error":"a \\"b\\" \\u003cc\\u003e \\u0026 d"}\n');
    expect(JSON.parse(errorBody('<&>')).error).toBe('<&>');
  });
  it('exports the endpoint header name', () => {
    expect(ENDPOINT_HEADER).toBe('x-piko-endpoint');
  });
});
