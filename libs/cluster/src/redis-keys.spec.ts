import { RedisKeys } from './redis-keys';

describe('RedisKeys', () => {
  it('puts every key under one hash tag so multi-key operations work on Redis Cluster', () => {
    const keys = new RedisKeys('piko');
    expect(keys.nodes()).toBe('{piko}:nodes');
    expect(keys.node('gw-1')).toBe('{piko}:node:gw-1');
    expect(keys.endpoints('gw-1')).toBe('{piko}:node:gw-1:endpoints');
  });

  it('uses the configured prefix as the tag', () => {
    expect(new RedisKeys('test-7').node('a')).toBe('{test-7}:node:a');
  });
});
