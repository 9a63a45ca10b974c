import { tryParseDuration } from './duration';
import type { OptionMeta } from './option-metadata';

export type Converted = { ok: true; value: unknown } | { ok: false; problem: string };

const ok = (value: unknown): Converted => ({ ok: true, value });
const bad = (problem: string, got: unknown): Converted => ({ ok: false, problem: `${problem} (got ${JSON.stringify(got)})` });

// Go's strconv.ParseBool, which pflag uses for boolean flags.
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** Converts one flag's text to the option's type. Lists are handled by the caller (they accumulate). */
export function convertFlag(meta: OptionMeta, text: string): Converted {
  switch (meta.kind) {
    case 'string':
    case 'enum':
      return ok(text);
    case 'int':
      return /^[-+]?\d+$/.test(text.trim()) ? ok(Number(text)) : bad('must be an integer', text);
    case 'float': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? ok(n) : bad('must be a number', text);
    }
    case 'bool':
      if (TRUE.has(text)) return ok(true);
      if (FALSE.has(text)) return ok(false);
      return bad('must be true or false', text);
    case 'duration': {
      const ms = tryParseDuration(text);
      return ms === undefined ? bad('must be a duration like 30s', text) : ok(ms);
    }
    case 'list':
      return ok(text === '' ? [] : text.split(',').map((s) => s.trim()));
    default:
      return bad('cannot be set by a flag', text);
  }
}

/** Converts one YAML scalar or sequence to the option's type (sections are walked by the caller). */
export function convertYaml(meta: OptionMeta, raw: unknown): Converted {
  switch (meta.kind) {
    case 'string':
    case 'enum':
      // Go's yaml.v3 reads any scalar into a string field (such as `node_id: 123`).
      if (typeof raw === 'string') return ok(raw);
      if (typeof raw === 'number' || typeof raw === 'boolean') return ok(String(raw));
      return bad('must be a string', raw);
    case 'int':
      return typeof raw === 'number' && Number.isInteger(raw) ? ok(raw) : bad('must be an integer', raw);
    case 'float':
      return typeof raw === 'number' && Number.isFinite(raw) ? ok(raw) : bad('must be a number', raw);
    case 'bool':
      return typeof raw === 'boolean' ? ok(raw) : bad('must be true or false', raw);
    case 'duration': {
      if (raw === 0) return ok(0);
      const ms = typeof raw === 'string' ? tryParseDuration(raw) : undefined;
      return ms === undefined ? bad('must be a duration like 30s', raw) : ok(ms);
    }
    case 'list':
      if (!Array.isArray(raw)) return bad('must be a list', raw);
      if (!raw.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) return bad('must be a list of strings', raw);
      return ok(raw.map(String));
    default:
      return bad('has an unsupported type', raw);
  }
}
