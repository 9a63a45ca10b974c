import { isCredentialHeader } from '@piko/observability';

/** Header fields whose values are never stored, whatever `proxy.inspect.redact_headers` says (docs/security.md). */
export const ALWAYS_REDACTED_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'x-piko-authorization', 'cookie', 'set-cookie'];

/** What a redacted value is stored as. */
export const REDACTED = '[redacted]';

/** Header names (as sent) whose verdict a HeaderRedactor remembers; past this it forgets them all and starts again. */
const MAX_REMEMBERED_NAMES = 4096;

/**
 * The lower-case names to redact: ALWAYS_REDACTED_HEADERS plus `extra` (`proxy.inspect.redact_headers`,
 * any case).
 */
export function redactedHeaderSet(extra: readonly string[]): ReadonlySet<string> {
  return new Set([...ALWAYS_REDACTED_HEADERS, ...extra.map((name) => name.toLowerCase())]);
}

/**
 * Whether a field's value is redacted: named in `redacted` (lower-case names), or a credential by
 * the access log's rule (isCredentialHeader: X-Api-Key, X-Auth-Token, X-Csrf-Token…), so inspection
 * keeps no more than the access log shows.
 */
export function isRedactedHeader(name: string, redacted: ReadonlySet<string>): boolean {
  return redacted.has(name.toLowerCase()) || isCredentialHeader(name);
}

/**
 * Redacts heads as they are captured, on the hot path: the verdict for each header name (as sent:
 * `Host`, `host`) is worked out once (isRedactedHeader: a lower-casing and two regular
 * expressions) and remembered, so a head costs one map lookup per field. The names come from
 * clients, so at most MAX_REMEMBERED_NAMES are remembered (then all are forgotten at once).
 */
export class HeaderRedactor {
  private readonly verdicts = new Map<string, boolean>();

  /** `redacted`: lower-case names (redactedHeaderSet). */
  constructor(readonly redacted: ReadonlySet<string>) {}

  isRedacted(name: string): boolean {
    let verdict = this.verdicts.get(name);
    if (verdict === undefined) {
      verdict = isRedactedHeader(name, this.redacted);
      if (this.verdicts.size >= MAX_REMEMBERED_NAMES) this.verdicts.clear();
      this.verdicts.set(name, verdict);
    }
    return verdict;
  }

  /**
   * Node's flat raw header list (`[name, value, name, value…]`, the order and spelling sent) with
   * the value of every redacted field replaced by "[redacted]" before anything keeps it. When no
   * field is redacted (the usual case) `raw` itself is returned, not a copy (Node never changes a
   * message's rawHeaders once parsed); a copy is returned exactly when some value was redacted.
   */
  redact(raw: readonly string[]): readonly string[] {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (!this.isRedacted(raw[i])) continue;
      const out = raw.slice(0, raw.length - (raw.length % 2));
      for (let j = i; j + 1 < out.length; j += 2) if (this.isRedacted(out[j])) out[j + 1] = REDACTED;
      return out;
    }
    return raw;
  }
}

/** A flat header list (`[name, value…]`) as pairs, the API's shape: repeated fields stay apart. */
export function headerPairs(flat: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/**
 * Node's flat raw header list as pairs, with the value of every redacted field (isRedactedHeader)
 * replaced by "[redacted]".
 */
export function redactHeaders(raw: readonly string[], redacted: ReadonlySet<string>): Array<[string, string]> {
  return headerPairs(new HeaderRedactor(redacted).redact(raw));
}
