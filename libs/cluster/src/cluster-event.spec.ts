import { InvalidEventError } from './errors';
import { parseClusterEvent } from './cluster-event';

const node = { id: 'gw-1', role: 'gateway', state: 'active', relayAddr: '127.0.0.1:8003', startedAt: 1 };

describe('parseClusterEvent', () => {
  it('accepts an endpoint event', () => {
    const event = { type: 'endpoint', nodeId: 'gw-1', seq: 3, endpointId: 'my-service', count: 2 };
    expect(parseClusterEvent(event)).toEqual(event);
  });

  it('accepts a node event and drops unknown fields', () => {
    const parsed = parseClusterEvent({ type: 'node', nodeId: 'gw-1', seq: 1, kind: 'join', node: { ...node, extra: true }, also: 1 });
    expect(parsed).toEqual({ type: 'node', nodeId: 'gw-1', seq: 1, kind: 'join', node });
  });

  it.each([
    ['a string', 'hello', 'not an object'],
    ['no type', { nodeId: 'gw-1', seq: 1 }, 'type must be'],
    ['seq 0', { type: 'endpoint', nodeId: 'gw-1', seq: 0, endpointId: 'a', count: 1 }, 'seq'],
    ['fractional seq', { type: 'endpoint', nodeId: 'gw-1', seq: 1.5, endpointId: 'a', count: 1 }, 'seq'],
    ['negative count', { type: 'endpoint', nodeId: 'gw-1', seq: 1, endpointId: 'a', count: -1 }, 'count'],
    ['count as string', { type: 'endpoint', nodeId: 'gw-1', seq: 1, endpointId: 'a', count: '1' }, 'count'],
    ['empty endpoint', { type: 'endpoint', nodeId: 'gw-1', seq: 1, endpointId: '', count: 1 }, 'endpointId'],
    ['empty nodeId', { type: 'endpoint', nodeId: '', seq: 1, endpointId: 'a', count: 1 }, 'nodeId'],
    ['bad kind', { type: 'node', nodeId: 'gw-1', seq: 1, kind: 'explode', node }, 'kind'],
    ['bad node', { type: 'node', nodeId: 'gw-1', seq: 1, kind: 'join', node: { ...node, role: 'x' } }, 'node.role'],
    ['node of another id', { type: 'node', nodeId: 'gw-2', seq: 1, kind: 'join', node }, 'node.id must equal'],
  ])('rejects %s', (_name, value, problem) => {
    expect(() => parseClusterEvent(value)).toThrow(InvalidEventError);
    expect(() => parseClusterEvent(value)).toThrow(problem);
  });
});
