import { randomUUID } from 'node:crypto';
import { flatString } from './flat-string';

describe('flatString', () => {
  it.each([[''], ['a'], ['x'.repeat(40)], ['é ü → 日本 🙂'], [',"endpointId":"e1","remoteAddr":"127.0.0.1:4000"']])('returns an equal string for %j', (text) => {
    expect(flatString(text)).toBe(text);
  });

  it('returns an equal string for a concatenated one (a UUID)', () => {
    const id = randomUUID();
    expect(flatString(id)).toBe(id);
    expect(flatString(`${id}-${id}`)).toBe(`${id}-${id}`);
  });
});
