import { diffLines } from 'diff';
import { bodyView, hexDump } from './body-format';
import type { CapturedBody, ExchangeRecord } from './exchange-types';

/** One header name's values before and after; `change` says how they compare. */
export interface HeaderChange {
  name: string;
  before: string[];
  after: string[];
  change: 'same' | 'changed' | 'added' | 'removed';
}

/** A run of body lines: in both, only in the original (removed) or only in the replay (added). */
export interface BodyPart {
  change: 'same' | 'added' | 'removed';
  text: string;
}

/** The original response against the replay's. */
export interface ResponseDiff {
  status: { before: number; after: number };
  headers: HeaderChange[];
  /** The body lines, or undefined when the diff gave up (see bodyNote). */
  body?: BodyPart[];
  /** How the bodies were compared: as text, JSON, hex; cuts that limit the comparison. */
  bodyNote: string;
  /** Whether the kept bodies are byte-for-byte equal. */
  bodySame: boolean;
}

/** The most milliseconds the body diff may take before it gives up (diff's `timeout`). */
const DIFF_TIMEOUT_MS = 500;

/**
 * Compares two exchanges' responses: status, headers (by lower-cased name, RFC 9110 §5.1: the
 * values of each name in order), and the kept bodies line by line with `diff` (jsdiff, Myers'
 * algorithm) — as pretty JSON when both parse, as text when both are UTF-8, else as hex dumps.
 * A missing response (the exchange failed) compares as status 0 with no headers and no body.
 */
export function diffResponses(original: ExchangeRecord, replay: ExchangeRecord): ResponseDiff {
  const before = original.response;
  const after = replay.response;
  const status = { before: original.status, after: replay.status };
  const headers = diffHeaders(before?.headers ?? [], after?.headers ?? []);
  const empty: CapturedBody = { size: 0, kept: '', truncated: false };
  const a = bodyView(before?.body ?? empty, headerOf(before?.headers, 'content-type'));
  const b = bodyView(after?.body ?? empty, headerOf(after?.headers, 'content-type'));
  const bodySame = a.bytes.length === b.bytes.length && a.bytes.every((byte, i) => byte === b.bytes[i]);
  let as: 'JSON' | 'text' | 'hex';
  let left: string;
  let right: string;
  if (a.json !== undefined && b.json !== undefined) [as, left, right] = ['JSON', a.json, b.json];
  else if (a.text !== undefined && b.text !== undefined) [as, left, right] = ['text', a.text, b.text];
  else [as, left, right] = ['hex', hexDump(a.bytes), hexDump(b.bytes)];
  const cut = [before?.body.truncated ? 'the original' : '', after?.body.truncated ? 'the replay' : ''].filter(Boolean);
  const notes = [`compared as ${as}`];
  if (cut.length) notes.push(`${cut.join(' and ')} ${cut.length > 1 ? 'were' : 'was'} cut: only the kept bytes are compared`);
  const parts = diffLines(withNewline(left), withNewline(right), { timeout: DIFF_TIMEOUT_MS });
  if (!parts) notes.push(`too different to compare within ${DIFF_TIMEOUT_MS} ms`);
  return {
    status,
    headers,
    body: parts?.map((p) => ({ change: p.added ? 'added' : p.removed ? 'removed' : 'same', text: p.value })),
    bodyNote: notes.join('; '),
    bodySame,
  };
}

/** Header values grouped by lower-cased name, compared in the original's order, then the new names. */
export function diffHeaders(before: Array<[string, string]>, after: Array<[string, string]>): HeaderChange[] {
  const group = (headers: Array<[string, string]>) => {
    const map = new Map<string, { name: string; values: string[] }>();
    for (const [name, value] of headers) {
      const key = name.toLowerCase();
      const entry = map.get(key) ?? { name, values: [] };
      entry.values.push(value);
      map.set(key, entry);
    }
    return map;
  };
  const a = group(before);
  const b = group(after);
  const changes: HeaderChange[] = [];
  for (const [key, { name, values }] of a) {
    const other = b.get(key);
    if (!other) changes.push({ name, before: values, after: [], change: 'removed' });
    else changes.push({ name, before: values, after: other.values, change: sameList(values, other.values) ? 'same' : 'changed' });
  }
  for (const [key, { name, values }] of b) if (!a.has(key)) changes.push({ name, before: [], after: values, change: 'added' });
  return changes;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function headerOf(headers: Array<[string, string]> | undefined, name: string): string {
  return headers?.find(([n]) => n.toLowerCase() === name)?.[1] ?? '';
}

/** A last line without its newline would diff as changed against the same line with one. */
function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}
