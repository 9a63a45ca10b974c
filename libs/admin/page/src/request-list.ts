import { formatBytes } from './body-format';
import { formatMs, formatTime, h } from './dom';
import type { ExchangeSummary } from './exchange-types';
import { newestFirst } from './request-filter';

/**
 * The request list of one endpoint: newest first, at most `limit` rows, updated in place as
 * captures arrive (`event: request`; the same ID again when a stream closes). The list scrolls
 * inside a box of fixed height, and rows have a fixed height, so nothing below it moves as rows
 * come; a reader scrolled down keeps seeing the same rows (the scroll offset grows by what was
 * inserted above). Each row's target is a button: Tab reaches it, Enter opens the detail,
 * ArrowUp/ArrowDown move between rows.
 */
export class RequestList {
  private readonly rows = new Map<string, ExchangeSummary>();
  private selected?: string;

  constructor(
    private readonly box: HTMLElement,
    private readonly tbody: HTMLTableSectionElement,
    private readonly limit: number,
    private readonly open: (id: string) => void,
  ) {
    tbody.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest('button[data-request]');
      if (button instanceof HTMLButtonElement && button.dataset.request) this.open(button.dataset.request);
    });
    tbody.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
      const buttons = [...tbody.querySelectorAll<HTMLButtonElement>('button[data-request]')];
      const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
      if (at < 0) return;
      event.preventDefault();
      buttons[Math.max(0, Math.min(buttons.length - 1, at + (event.key === 'ArrowDown' ? 1 : -1)))].focus();
    });
  }

  get size(): number {
    return this.rows.size;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** Empties the list (another endpoint, other filters). */
  clear(): void {
    this.rows.clear();
    this.tbody.replaceChildren();
    this.box.scrollTop = 0;
  }

  /** Adds or updates captures; a newer version of an ID (its stream closed) replaces the older. */
  upsert(items: ExchangeSummary[]): void {
    for (const s of items) {
      const old = this.rows.get(s.id);
      // An open stream's summary (total_ms null) never replaces its closed one.
      if (old && old.total_ms !== null && s.total_ms === null) continue;
      this.rows.set(s.id, s);
    }
    const kept = [...this.rows.values()].sort(newestFirst).slice(0, this.limit);
    for (const id of [...this.rows.keys()]) if (!kept.some((s) => s.id === id)) this.rows.delete(id);
    this.render(kept);
  }

  /** Marks the row whose detail is shown. */
  select(id: string | undefined): void {
    this.selected = id;
    for (const tr of this.tbody.querySelectorAll<HTMLTableRowElement>('tr')) tr.setAttribute('aria-selected', String(tr.dataset.key === id));
  }

  private render(items: ExchangeSummary[]): void {
    const existing = new Map<string, HTMLTableRowElement>();
    for (const tr of this.tbody.querySelectorAll<HTMLTableRowElement>('tr')) existing.set(tr.dataset.key ?? '', tr);
    const firstBefore = this.tbody.firstElementChild as HTMLElement | null;
    const offsetBefore = firstBefore?.offsetTop ?? 0;
    const focused = document.activeElement;
    const rows = items.map((s) => {
      const signature = JSON.stringify(s);
      const old = existing.get(s.id);
      if (old && old.dataset.signature === signature) return old;
      const tr = this.row(s);
      tr.dataset.signature = signature;
      // Keep keyboard focus on a row that was rebuilt.
      if (old && old.contains(focused)) queueMicrotask(() => tr.querySelector('button')?.focus());
      return tr;
    });
    this.tbody.replaceChildren(...rows);
    // A reader scrolled into the list keeps their rows in view as new ones arrive above them.
    if (this.box.scrollTop > 0 && firstBefore && firstBefore.isConnected) this.box.scrollTop += firstBefore.offsetTop - offsetBefore;
  }

  private row(s: ExchangeSummary): HTMLTableRowElement {
    const statusClass = s.status === 0 ? 'status-none' : `status-${Math.floor(s.status / 100)}xx`;
    const status = s.status === 0 ? '–' : String(s.status);
    const tr = h(
      'tr',
      { 'data-key': s.id, 'aria-selected': String(s.id === this.selected) },
      h('td', { class: 'time' }, formatTime(s.started_at)),
      h('td', { class: 'method' }, s.method || s.kind.toUpperCase()),
      h(
        'td',
        { class: 'target' },
        h('button', { type: 'button', class: 'link', 'data-request': s.id, title: s.target || s.kind }, s.target || `(${s.kind} connection)`),
        s.kind !== 'http' ? h('span', { class: 'badge' }, s.kind) : null,
        s.replay_of ? h('span', { class: 'badge replay', title: `replay of ${s.replay_of}` }, 'replay') : null,
      ),
      h('td', { class: statusClass, title: s.error ? `${s.error.status} from Piko: ${s.error.cause}` : undefined }, status, s.error ? h('span', { class: 'badge error' }, 'piko') : null),
      h('td', { class: 'num' }, formatMs(s.ttfb_ms)),
      h('td', { class: 'num' }, s.total_ms === null ? 'open' : formatMs(s.total_ms)),
      h('td', { class: 'num', title: formatBytes(s.bytes_in) }, shortBytes(s.bytes_in)),
      h('td', { class: 'num', title: formatBytes(s.bytes_out) }, shortBytes(s.bytes_out)),
      h('td', { class: 'client' }, s.client_addr),
    );
    return tr;
  }
}

/** `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function shortBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
