import { type BodyMode, bodyView, formatBytes, headerValue, hexDump } from './body-format';
import { formatMs, h } from './dom';
import type { CapturedBody, ExchangeRecord } from './exchange-types';

/** The value the proxy stores in place of a redacted header's (libs/inspect). */
export const REDACTED = '[redacted]';

/** What the detail view's buttons do. */
export interface DetailActions {
  replay(record: ExchangeRecord): void;
  editReplay(record: ExchangeRecord): void;
  compareWithOriginal(record: ExchangeRecord): void;
}

/**
 * The detail of one exchange: who, when, how long, which nodes, the error Piko made (if any),
 * then the request and the response, each with its head and its kept body. Built with the DOM
 * only (see dom.ts): header names, values and bodies are shown as text, never parsed as markup.
 */
export function renderDetail(r: ExchangeRecord, actions: DetailActions): HTMLElement {
  const title = `${r.method || r.kind.toUpperCase()} ${r.target || `(${r.kind} connection)`}`;
  const heading = h('h3', { id: 'detail-title', tabindex: '-1' }, title, ' ', h('span', { class: `status status-${Math.floor(r.status / 100)}xx` }, r.status ? String(r.status) : 'no status'));
  const replay = h('button', { type: 'button', id: 'replay' }, 'Replay');
  const edit = h('button', { type: 'button', id: 'replay-edit' }, 'Edit and replay…');
  replay.addEventListener('click', () => actions.replay(r));
  edit.addEventListener('click', () => actions.editReplay(r));
  const why = r.replayable ? null : h('span', { class: 'hint', id: 'replay-why' }, r.kind !== 'http' ? `a ${r.kind} connection cannot be replayed` : 'cannot be replayed: the request body was not captured in full');
  if (!r.replayable) {
    replay.disabled = true;
    edit.disabled = true;
    replay.setAttribute('aria-describedby', 'replay-why');
  }
  let compare: HTMLButtonElement | null = null;
  if (r.replay_of) {
    compare = h('button', { type: 'button', id: 'compare-original' }, 'Compare with original');
    compare.addEventListener('click', () => actions.compareWithOriginal(r));
  }

  const facts: Array<[string, string]> = [
    ['ID', r.id],
    ['Started', new Date(r.started_at).toLocaleString()],
    ['Kind', `${r.kind}, HTTP/${r.http_version}`],
    ['Client', r.client_addr],
    ['Proxy', r.proxy_node],
    ['Gateway', r.gateway_node ?? '–'],
    ['To first byte', formatMs(r.ttfb_ms)],
    ['Total', r.total_ms === null ? 'still open' : formatMs(r.total_ms)],
    ['Bytes in / out', `${formatBytes(r.bytes_in)} / ${formatBytes(r.bytes_out)}`],
  ];
  if (r.error) facts.push(['Error', `${r.error.status} made by Piko: ${r.error.cause}`]);
  if (r.replay_of) facts.push(['Replay of', r.replay_of]);
  const dl = h('dl', { class: 'facts' });
  for (const [k, v] of facts) dl.append(h('dt', {}, k), h('dd', { class: k === 'Error' ? 'error-cause' : undefined }, v));

  const request = h(
    'section',
    { class: 'exchange-half', 'aria-labelledby': 'detail-request-title' },
    h('h4', { id: 'detail-request-title' }, 'Request'),
    headerTable(r.request.headers, 'request-headers'),
    bodyViewer(r.request.body, headerValue(r.request.headers, 'content-type') ?? '', 'request-body'),
  );
  const response = h('section', { class: 'exchange-half', 'aria-labelledby': 'detail-response-title' }, h('h4', { id: 'detail-response-title' }, 'Response'));
  if (r.response) {
    response.append(headerTable(r.response.headers, 'response-headers'), bodyViewer(r.response.body, headerValue(r.response.headers, 'content-type') ?? '', 'response-body'));
  } else {
    response.append(h('p', { class: 'empty' }, r.error ? `No response from the service: ${r.error.cause}` : 'No response (the client went away, or a connection without one).'));
  }

  return h(
    'div',
    {},
    heading,
    h('div', { class: 'detail-actions' }, replay, ' ', edit, ' ', compare, ' ', why),
    dl,
    h('div', { class: 'exchange' }, request, response),
    h('div', { id: 'replay-area' }),
  );
}

/** A head's headers in their order, names as sent; redacted values marked as such. */
export function headerTable(headers: Array<[string, string]>, id: string): HTMLElement {
  if (headers.length === 0) return h('p', { class: 'empty', id }, 'No headers.');
  const tbody = h('tbody');
  for (const [name, value] of headers) {
    const redacted = value === REDACTED;
    tbody.append(h('tr', {}, h('th', { scope: 'row' }, name), h('td', { class: redacted ? 'redacted' : undefined, title: redacted ? 'redacted before it was stored' : undefined }, value)));
  }
  return h('table', { class: 'headers', id }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Header'), h('th', { scope: 'col' }, 'Value'))), tbody);
}

/**
 * A body as text, pretty JSON or a hex dump (buttons switch; the one that fits is shown first),
 * with one line saying its size and whether it was cut or not kept.
 */
export function bodyViewer(body: CapturedBody, contentType: string, id: string): HTMLElement {
  const view = bodyView(body, contentType);
  const size = h('p', { class: 'body-size', id: `${id}-size` }, view.sizeLine);
  const wrap = h('div', { class: 'body-view', id }, size);
  if (view.bytes.length === 0) return wrap;
  const pre = h('pre', { class: 'body', tabindex: '0', 'aria-describedby': `${id}-size` });
  const modes: Array<[BodyMode, string, string | undefined]> = [
    ['text', 'Text', view.text],
    ['json', 'JSON', view.json],
    ['hex', 'Hex', undefined],
  ];
  const group = h('div', { class: 'body-modes', role: 'group', 'aria-label': 'Show the body as' });
  const buttons = new Map<BodyMode, HTMLButtonElement>();
  const show = (mode: BodyMode) => {
    pre.textContent = mode === 'text' ? (view.text ?? '') : mode === 'json' ? (view.json ?? '') : hexDump(view.bytes);
    pre.dataset.mode = mode;
    for (const [m, b] of buttons) b.setAttribute('aria-pressed', String(m === mode));
  };
  for (const [mode, label, content] of modes) {
    const b = h('button', { type: 'button', 'data-mode': mode }, label);
    // Text needs UTF-8, JSON needs it to parse; hex always works.
    if (mode !== 'hex' && content === undefined) {
      b.disabled = true;
      b.title = mode === 'json' ? 'not JSON (or cut before its end)' : 'not UTF-8 text';
    }
    b.addEventListener('click', () => show(mode));
    buttons.set(mode, b);
    group.append(b);
  }
  show(view.preferred);
  wrap.append(group, pre);
  return wrap;
}
