/**
 * Aligned columns with a header row, as `kubectl get` prints them: each column as wide as its
 * widest cell, two spaces between, no borders; the last column is not padded. Cells are shown
 * as given (callers format numbers and times). An empty list prints the header only.
 * (No npm table library: the maintained ones draw borders; this is the whole job.)
 */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columnWidths(headers, rows);
  return [alignedLine(headers, widths), ...rows.map((r) => alignedLine(r, widths))].join('\n') + '\n';
}

/** Each column's width: its widest cell, header included, and at least `min[i]`. */
export function columnWidths(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, min: readonly number[] = []): number[] {
  return headers.map((h, i) => Math.max(h.length, min[i] ?? 0, ...rows.map((r) => (r[i] ?? '').length)));
}

/** One line of a table: cells padded to `widths`, two spaces apart, the last unpadded (a longer cell pushes the rest right). */
export function alignedLine(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
    .join('  ')
    .trimEnd();
}

/** A duration since `iso` for a column like AGE: `45s`, `12m`, `3h4m`, `2d5h`; `-` when null. */
export function age(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  const days = Math.floor(hours / 24);
  return `${days}d${hours % 24 ? `${hours % 24}h` : ''}`;
}

/** Bytes as `512B`, `1.5KiB`, `3.2MiB`, `1.1GiB`. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(1)}${units[unit]}`;
}

/** A per-second rate with at most one decimal: `0`, `0.4`, `41.2`. */
export function rate(n: number): string {
  return String(Math.round(n * 10) / 10);
}
