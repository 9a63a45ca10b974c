import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

const TTL_MS = 30_000;

interface Entry {
  expires: number;
  addresses: LookupAddress[];
}

/**
 * A `lookup` for net.connect that remembers answers for 30 s. An agent connects to the same local
 * service (`localhost:3000`) for every proxied connection; without a cache each connect waits for
 * a getaddrinfo on libuv's thread pool, which alone cost about a millisecond per request here.
 */
export function createCachedLookup(): LookupFunction {
  const cache = new Map<string, Entry>();
  return ((hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    const answer = (addresses: LookupAddress[]) =>
      options.all ? callback(null, addresses) : callback(null, addresses[0].address, addresses[0].family);
    if (isIP(hostname)) return answer([{ address: hostname, family: isIP(hostname) }]);
    const key = `${hostname}/${options.family ?? 0}`;
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now()) return answer(hit.addresses);
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err || addresses.length === 0) return callback(err ?? Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      cache.set(key, { expires: Date.now() + TTL_MS, addresses });
      answer(addresses);
    });
  }) as LookupFunction;
}
