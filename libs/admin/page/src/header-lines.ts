/** Headers as the edit form shows them: one `Name: value` per line. */
export function headersToText(headers: Array<[string, string]>): string {
  return headers.map(([n, v]) => `${n}: ${v}`).join('\n');
}

/**
 * Parses the form's header lines (`Name: value`, blank lines skipped).
 * @throws Error naming the first line that is not a header (RFC 9110 §5.1 token, then a colon)
 */
export function textToHeaders(text: string): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not "Name: value": ${line.slice(0, 80)}`);
    headers.push([m[1], m[2]]);
  });
  return headers;
}
