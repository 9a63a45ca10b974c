import { ClusterConfig } from '@piko/config';
import { nodeId } from './node-id';

const cluster = (fields: Partial<ClusterConfig>): ClusterConfig => Object.assign(new ClusterConfig(), fields);

describe('nodeId', () => {
  it('takes cluster.node_id as given', () => {
    expect(nodeId(cluster({ nodeId: 'node-1', nodeIdPrefix: 'ignored-' }), 'gateway')).toBe('node-1');
  });

  it("appends Go's 7-character suffix to the prefix directly: '${POD_NAME}-' gives piko-0-<random>", () => {
    const id = nodeId(cluster({ nodeIdPrefix: 'piko-0-' }), 'gateway');
    expect(id).toMatch(/^piko-0-[a-z0-9]{7}$/);
    expect(id).not.toContain('--');
  });

  it('uses the role and a dash without a prefix, new at every call', () => {
    const a = nodeId(cluster({}), 'proxy');
    expect(a).toMatch(/^proxy-[a-z0-9]{7}$/);
    expect(nodeId(cluster({}), 'proxy')).not.toBe(a);
  });
});
