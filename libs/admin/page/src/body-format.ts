import type { CapturedBody } from './exchange-types';

/** How a body can be shown. */
export type BodyMode = 'text' | 'json' | 'hex';

/** A captured body decoded for display. */
export interface BodyView {
  /** The kept bytes. */
  bytes: Uint8Array;
  /** The kept bytes as UTF-8, or undefined when they are not valid UTF-8 (a cut may split a character: tolerated at the end). */
  text?: string;
  /** The text as pretty JSON (2-space indent), or undefined when it does not parse (a cut body does not). */
  json?: string;
  /** The mode shown first: json when it parses, text when it decodes, else hex. */
  preferred: BodyMode;
  /** One line saying how much was seen and how much is shown, in bytes. */
  sizeLine: string;
}

/** Decodes base64 without atob's Latin-1 string in between. */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Bytes to base64 (for a replay's edited body). */
export function bytesBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * The kept bytes as UTF-8 text, or undefined when they are not UTF-8. A body cut mid-character
 * (up to 3 bytes of an incomplete sequence at the end of a truncated body) still counts as text.
 */
export function utf8Text(bytes: Uint8Array, truncated: boolean): string | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= (truncated ? Math.min(3, bytes.length) : 0); cut++) {
    try {
      const text = decoder.decode(bytes.subarray(0, bytes.length - cut));
      // Control characters other than tab, CR, LF mean binary, even when they decode.
      return hasBinaryControls(text) ? undefined : text;
    } catch {
      // not (yet) valid: try without the last byte
    }
  }
  return undefined;
}

/** Whether text holds a control character other than tab, CR and LF (then it is shown as binary). */
export function hasBinaryControls(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

/** `1,234 bytes` (en-US grouping, so tests and screenshots read alike everywhere). */
export function formatBytes(n: number): string {
  return `${n.toLocaleString('en-US')} byte${n === 1 ? '' : 's'}`;
}

/** What the size line says: the whole body, or where it was cut, or why none was kept. */
export function describeBody(body: CapturedBody, keptBytes: number): string {
  if (body.omitted === 'content_type') return `${formatBytes(body.size)}; not kept: its content type is never stored (proxy.inspect)`;
  if (body.omitted === 'stream') return `${formatBytes(body.size)}; not kept: a stream is recorded as a connection, not its content`;
  if (body.size === 0) return 'no body';
  if (body.truncated) return `${formatBytes(body.size)}; cut: only the first ${formatBytes(keptBytes)} were kept`;
  return `${formatBytes(body.size)} (all kept)`;
}

/** Decodes a captured body for the detail view. */
export function bodyView(body: CapturedBody, contentType = ''): BodyView {
  const bytes = base64Bytes(body.kept);
  const text = utf8Text(bytes, body.truncated);
  let json: string | undefined;
  if (text !== undefined && text.trim() !== '') {
    try {
      json = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      json = undefined;
    }
  }
  const preferJson = json !== undefined && (/json/i.test(contentType) || /^\s*[[{]/.test(text ?? ''));
  return { bytes, text, json, preferred: preferJson ? 'json' : text !== undefined ? 'text' : 'hex', sizeLine: describeBody(body, bytes.length) };
}

/**
 * A hex dump as `xxd` prints it: offset, 16 bytes in pairs, and the printable ASCII
 * (`.` for the rest); one line per 16 bytes.
 */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i < row.length) {
        hex += row[i].toString(16).padStart(2, '0');
        ascii += row[i] >= 0x20 && row[i] < 0x7f ? String.fromCharCode(row[i]) : '.';
      } else hex += '  ';
      if (i % 2 === 1) hex += ' ';
    }
    lines.push(`${off.toString(16).padStart(8, '0')}: ${hex} ${ascii}`);
  }
  return lines.join('\n');
}

/** The first value of a header (names compared case-insensitively, RFC 9110 §5.1). */
export function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}
