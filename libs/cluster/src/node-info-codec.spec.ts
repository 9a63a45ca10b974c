import type { NodeInfo } from './node-info';
import { nodeInfoFromHash, nodeInfoProblem, nodeInfoToHash, pickNodeInfo } from './node-info-codec';

const gateway: NodeInfo = { id: 'gw-1', role: 'gateway', state: 'active', relayAddr: '10.0.0.1:8003', startedAt: 1_732_680_000_123 };

describe('node info codec', () => {
  it('round-trips through a Redis hash', () => {
    expect(nodeInfoFromHash(nodeInfoToHash(gateway))).toEqual(gateway);
  });

  it('reads an empty hash (expired lease) as no node', () => {
    expect(nodeInfoFromHash({})).toBeUndefined();
  });

  it('rejects a hash with a bad role', () => {
    expect(nodeInfoFromHash({ ...nodeInfoToHash(gateway), role: 'king' })).toBeUndefined();
  });

  it.each([
    [null, 'not an object'],
    [{ ...gateway, id: '' }, 'node.id'],
    [{ ...gateway, state: 'sleeping' }, 'node.state'],
    [{ ...gateway, startedAt: 'yesterday' }, 'node.startedAt'],
    [{ ...gateway, relayAddr: 8003 }, 'node.relayAddr'],
  ])('names the problem in %j', (value, problem) => {
    expect(nodeInfoProblem(value)).toContain(problem);
  });

  it('accepts a valid node and drops unknown fields', () => {
    expect(nodeInfoProblem(gateway)).toBeUndefined();
    expect(pickNodeInfo({ ...gateway, extra: 1 } as unknown as NodeInfo)).toEqual(gateway);
  });
});
