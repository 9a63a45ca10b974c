import type { CapturedBody, ExchangeRecord, ExchangeSummary } from '@piko/inspect';
import { bytes } from './render-table';

/**
 * Untrusted text for a terminal: what a client or service sent (targets, header values, bodies)
 * must not move the cursor, change colours or retitle the window, so every C0 control but tab
 * and newline, DEL and the C1 controls (U+0080–U+009F, which include CSI) print as `\xNN`.
 */
export function terminalSafe(text: string, keepNewlines = false): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    out += control && c !== '\t' && !(keepNewlines && c === '\n') ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  }
  return out;
}

/** Whether text holds a control character other than tab, CR and LF (then it is binary). */
export function hasBinaryControls(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

/** `12.3ms`, `1.25s`, `-` when unknown (still open). */
export function ms(value: number | null): string {
  if (value === null) return '-';
  if (value < 1000) return `${value < 10 ? value.toFixed(1) : Math.round(value)}ms`;
  return `${(value / 1000).toFixed(2)}s`;
}

/** `HH:MM:SS.mmm` in UTC, a column wide enough for a busy endpoint. */
export function timeOfDay(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(11, 23);
}

/** The request list's columns (`piko status requests`). */
export const REQUEST_COLUMNS = ['TIME(UTC)', 'ID', 'METHOD', 'TARGET', 'STATUS', 'TTFB', 'TOTAL', 'IN', 'OUT', 'CLIENT', 'NOTE'];

/** One row of the request list: the summary's fields, sanitized; NOTE says kind, error cause, replay. */
export function requestRow(s: ExchangeSummary): string[] {
  const note = [
    s.kind !== 'http' ? s.kind : '',
    s.total_ms === null ? 'open' : '',
    s.error ? `piko ${s.error.status}: ${s.error.cause}` : '',
    s.replay_of ? `replay of ${s.replay_of}` : '',
  ].filter(Boolean);
  return [
    timeOfDay(s.started_at),
    s.id,
    s.method || '-',
    terminalSafe(s.target) || '-',
    s.status ? String(s.status) : '-',
    ms(s.ttfb_ms),
    ms(s.total_ms),
    bytes(s.bytes_in),
    bytes(s.bytes_out),
    s.client_addr,
    terminalSafe(note.join('; ')) || '-',
  ].map((c) => terminalSafe(c));
}

/**
 * One exchange in full, for `piko status request ID`: its facts, then the request and the
 * response as curl -v prints them (`>` and `<` heads), each body below its head as text when it
 * is UTF-8, else as a hex dump, with a line saying its size and whether it was cut.
 */
export function exchangeText(r: ExchangeRecord): string {
  const facts: Array<[string, string]> = [
    ['ID', r.id],
    ['ENDPOINT', r.endpoint_id],
    ['KIND', `${r.kind} (HTTP/${r.http_version})`],
    ['STARTED', r.started_at],
    ['CLIENT', r.client_addr],
    ['PROXY', r.proxy_node],
    ['GATEWAY', r.gateway_node ?? '-'],
    ['STATUS', r.status ? String(r.status) : '-'],
    ['TTFB', ms(r.ttfb_ms)],
    ['TOTAL', r.total_ms === null ? 'still open' : ms(r.total_ms)],
    ['BYTES', `${r.bytes_in} in, ${r.bytes_out} out`],
    ['REPLAYABLE', r.replayable ? 'yes' : 'no'],
  ];
  if (r.error) facts.push(['ERROR', `${r.error.status} made by Piko: ${r.error.cause}`]);
  if (r.replay_of) facts.push(['REPLAY OF', r.replay_of]);
  const width = Math.max(...facts.map(([k]) => k.length));
  const out = facts.map(([k, v]) => `${k.padEnd(width)}  ${terminalSafe(v)}`);
  out.push('', `> ${terminalSafe(r.method || r.kind.toUpperCase())} ${terminalSafe(r.target || '-')} HTTP/${r.http_version}`);
  for (const [n, v] of r.request.headers) out.push(`> ${terminalSafe(n)}: ${terminalSafe(v)}`);
  out.push('>', ...bodyLines(r.request.body));
  if (r.response) {
    out.push('', `< HTTP/${r.http_version} ${r.status}${r.response.reason ? ` ${terminalSafe(r.response.reason)}` : ''}`);
    for (const [n, v] of r.response.headers) out.push(`< ${terminalSafe(n)}: ${terminalSafe(v)}`);
    out.push('<', ...bodyLines(r.response.body));
  } else {
    out.push('', r.error ? `(no response: ${terminalSafe(r.error.cause)})` : '(no response)');
  }
  return `${out.join('\n')}\n`;
}

/** A body's size line, then its kept bytes as text or a hex dump. */
export function bodyLines(body: CapturedBody): string[] {
  const kept = Buffer.from(body.kept, 'base64');
  if (body.omitted === 'content_type') return [`(body: ${body.size} bytes, not kept: its content type is never stored)`];
  if (body.omitted === 'stream') return [`(body: ${bytes(body.size)} streamed, not kept: a stream is recorded as a connection)`];
  if (body.size === 0) return ['(no body)'];
  const size = body.truncated ? `(body: ${body.size} bytes; cut: the first ${kept.length} bytes kept)` : `(body: ${body.size} bytes, all kept)`;
  const text = utf8(kept, body.truncated);
  return [size, ...(text === undefined ? hexDump(kept) : terminalSafe(text, true).split('\n'))];
}

/** UTF-8 without control characters (but tab, CR, LF), else undefined; a cut may split the last character. */
function utf8(data: Buffer, truncated: boolean): string | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= (truncated ? Math.min(3, data.length) : 0); cut++) {
    try {
      const text = decoder.decode(data.subarray(0, data.length - cut));
      return hasBinaryControls(text) ? undefined : text;
    } catch {
      // try without the last byte
    }
  }
  return undefined;
}

/** As `xxd` prints: offset, 16 bytes in pairs, printable ASCII. */
export function hexDump(data: Buffer): string[] {
  const lines: string[] = [];
  for (let off = 0; off < data.length; off += 16) {
    const row = data.subarray(off, off + 16);
    const hex = [...row].map((b, i) => b.toString(16).padStart(2, '0') + (i % 2 === 1 ? ' ' : '')).join('');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}: ${hex.padEnd(40)} ${ascii}`);
  }
  return lines;
}
