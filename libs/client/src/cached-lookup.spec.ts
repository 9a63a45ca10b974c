import { createCachedLookup } from './cached-lookup';

const resolve = (lookup: ReturnType<typeof createCachedLookup>, host: string, all = false) =>
  new Promise<unknown>((ok, fail) =>
    lookup(host, { all }, (err, address, family) => (err ? fail(err) : ok(all ? address : { address, family }))),
  );

describe('createCachedLookup', () => {
  it('answers IP literals without a lookup, in both result forms', async () => {
    const lookup = createCachedLookup();
    expect(await resolve(lookup, '127.0.0.1')).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await resolve(lookup, '::1', true)).toEqual([{ address: '::1', family: 6 }]);
  });

  it('resolves localhost to a loopback address and answers again from the cache', async () => {
    const lookup = createCachedLookup();
    const first = (await resolve(lookup, 'localhost')) as { address: string };
    expect(['127.0.0.1', '::1']).toContain(first.address);
    expect(await resolve(lookup, 'localhost')).toEqual(first);
  });
});
