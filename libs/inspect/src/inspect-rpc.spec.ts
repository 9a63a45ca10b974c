import { type ClusterRpc, rpcSubject } from '@piko/cluster';
import { Inspector } from './inspector';
import { INSPECT_RPC_VERBS, learnSwitches } from './inspect-rpc';

const OPTIONS = { endpoints: [], ringSize: 10, bodyBytes: 1024, maxMemoryBytes: 1 << 20, redactHeaders: [], omitContentTypes: [], replayTimeoutMs: 1000 };
const inspector = () => new Inspector('new-proxy', OPTIONS, { clientAddress: () => '', errorOf: () => undefined });

/** Peers that answer `inspect-switches` with these lists; a peer mapped to an Error fails. */
function peers(answers: Record<string, Array<[string, boolean]> | Error>): ClusterRpc {
  return {
    serve: () => () => undefined,
    request: async (subject) => {
      const peer = Object.keys(answers).find((p) => subject === rpcSubject(p, INSPECT_RPC_VERBS.switches));
      const answer = peer === undefined ? new Error('no responder') : answers[peer];
      if (answer instanceof Error) throw answer;
      return { switches: answer };
    },
  };
}

describe('learnSwitches', () => {
  it('adopts the switches the proxies that answer agree on, and leaves a disputed one to config', async () => {
    const i = inspector();
    const rpc = peers({ a: [['shop', true], ['blog', false], ['split', true]], b: [['shop', true], ['split', false]], c: new Error('timeout') });
    expect(await learnSwitches(rpc, ['a', 'b', 'c'], i, 100)).toBe(2);
    expect(i.state('shop')).toEqual({ endpoint_id: 'shop', enabled: true, source: 'runtime' });
    expect(i.state('blog')).toEqual({ endpoint_id: 'blog', enabled: false, source: 'runtime' });
    expect(i.state('split')).toEqual({ endpoint_id: 'split', enabled: false, source: 'config' });
  });

  it('ignores malformed answers and adopts nothing without peers', async () => {
    const i = inspector();
    const rpc: ClusterRpc = { serve: () => () => undefined, request: async () => ({ switches: [['x', 'yes'], 'junk', [1, true]] }) };
    expect(await learnSwitches(rpc, ['a'], i, 100)).toBe(0);
    expect(await learnSwitches(peers({}), [], i, 100)).toBe(0);
    expect(i.runtimeSwitches()).toEqual([]);
  });
});
