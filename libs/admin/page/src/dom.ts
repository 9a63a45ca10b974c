/**
 * Building DOM from API data. Everything a capture holds (targets, header names and values,
 * bodies, error causes) is bytes an untrusted client or service sent: it only ever becomes
 * text nodes and attribute values set through the DOM, never markup (no innerHTML anywhere on
 * the page), so a captured `<script>` shows as those characters.
 */
type Child = Node | string | null | undefined | false;

/** `<tag class=…>children</tag>`; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** A duration in ms for a column: `12 ms`, `1.25 s`, `–` when unknown (still open). */
export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** `HH:MM:SS.mmm` in the browser's time zone. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
