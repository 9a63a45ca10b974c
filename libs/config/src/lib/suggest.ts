import { closest, distance } from 'fastest-levenshtein';

/**
 * The known name nearest to a mistyped one, for "did you mean" hints; undefined when nothing is
 * close enough to be a likely typo. `_` and `-` are compared alike first, since Go Piko's YAML
 * keys use `_` and its flags `-` (`--proxy.bind_addr` means `--proxy.bind-addr`).
 */
export function suggest(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const fold = (s: string) => s.toLowerCase().replace(/_/g, '-');
  const folded = fold(name);
  const same = known.find((k) => fold(k) === folded);
  if (same !== undefined) return same;
  const best = closest(name, known as string[]);
  // A third of the name's length, at most 3 edits: close enough to be a typo, not a different key.
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  return distance(name, best) <= limit ? best : undefined;
}
