/**
 * The header lines of an HTTP/1.x head (the lines after the start line) as one record: names
 * lower-cased and trimmed, values trimmed, a repeated header's values joined with ", " in order.
 * For test clients and services that read heads off a raw socket; no validation (a line without
 * a colon becomes a name with an empty value).
 */
export function headerRecord(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}
