import { isValidEndpointId } from './endpoint-id';

describe('isValidEndpointId', () => {
  it.each(['my-endpoint', 'a', 'A.b_c~d-9', 'x'.repeat(256)])('accepts %s', (id) => {
    expect(isValidEndpointId(id)).toBe(true);
  });
  it.each(['', 'x'.repeat(257), 'a/b', 'a b', 'a:b', 'é', 'a\n'])('rejects %j', (id) => {
    expect(isValidEndpointId(id)).toBe(false);
  });
});
