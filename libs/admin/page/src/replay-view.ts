import { base64Bytes, bytesBase64, utf8Text } from './body-format';
import { h } from './dom';
import { headersToText, textToHeaders } from './header-lines';
import type { ExchangeRecord, ReplayEdits } from './exchange-types';
import { diffResponses } from './response-diff';

/**
 * The form to edit a replay: method, path, headers and (for a UTF-8 body) the body, filled
 * with the captured request. Only what the user changed is sent (the API replays the rest as
 * captured). A binary body cannot be edited here and is sent as captured.
 */
export function replayForm(r: ExchangeRecord, send: (edits: ReplayEdits) => void, cancel: () => void): HTMLFormElement {
  const bodyText = r.request.body.truncated ? undefined : utf8Text(base64Bytes(r.request.body.kept), false);
  const headersText = headersToText(r.request.headers);
  const method = h('input', { id: 'replay-method', name: 'method', value: r.method, required: '', spellcheck: 'false', size: '8' });
  const path = h('input', { id: 'replay-path', name: 'path', value: r.target, required: '', spellcheck: 'false' });
  const headers = h('textarea', { id: 'replay-headers', name: 'headers', rows: String(Math.min(12, r.request.headers.length + 1)), spellcheck: 'false' });
  headers.value = headersText;
  const body = h('textarea', { id: 'replay-body', name: 'body', rows: '6', spellcheck: 'false' });
  body.value = bodyText ?? '';
  if (bodyText === undefined) body.disabled = true;
  const problem = h('p', { class: 'form-problem', role: 'alert', id: 'replay-problem' });
  const submit = h('button', { type: 'submit' }, 'Send replay');
  const cancelButton = h('button', { type: 'button' }, 'Cancel');
  cancelButton.addEventListener('click', cancel);
  const form = h(
    'form',
    { id: 'replay-form', class: 'replay-form', 'aria-label': 'Edit the request before replaying it' },
    h('div', { class: 'row' }, h('label', { for: 'replay-method' }, 'Method'), method, h('label', { for: 'replay-path' }, 'Path'), path),
    h('label', { for: 'replay-headers' }, 'Headers (one "Name: value" a line; [redacted] values were not stored: give the real one or remove the line)'),
    headers,
    h('label', { for: 'replay-body' }, bodyText === undefined ? 'Body (binary: sent as captured)' : 'Body (UTF-8 text)'),
    body,
    problem,
    h('div', { class: 'row' }, submit, cancelButton),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const edits: ReplayEdits = {};
    if (method.value.trim() !== r.method) edits.method = method.value.trim();
    if (path.value !== r.target) edits.path = path.value;
    if (headers.value !== headersText) {
      try {
        edits.headers = textToHeaders(headers.value);
      } catch (err) {
        problem.textContent = (err as Error).message;
        headers.focus();
        return;
      }
    }
    if (bodyText !== undefined && body.value !== bodyText) edits.body = bytesBase64(new TextEncoder().encode(body.value));
    problem.textContent = '';
    send(edits);
  });
  return form;
}

/**
 * The original exchange's response against the replay's: status, each header (same, changed,
 * added, removed) and the bodies line by line (see diffResponses), in `<ins>`/`<del>` so the
 * change is in the markup, not only in colour.
 */
export function renderDiff(original: ExchangeRecord, replay: ExchangeRecord): HTMLElement {
  const d = diffResponses(original, replay);
  const statusSame = d.status.before === d.status.after;
  const headerRows = h('tbody');
  for (const c of d.headers) {
    headerRows.append(
      h('tr', { class: `change-${c.change}`, 'data-change': c.change }, h('th', { scope: 'row' }, c.name), h('td', {}, c.before.join('\n') || '–'), h('td', {}, c.after.join('\n') || '–'), h('td', {}, c.change)),
    );
  }
  const pre = h('pre', { class: 'diff', tabindex: '0', id: 'diff-body' });
  for (const part of d.body ?? []) {
    const lines = part.text.replace(/\n$/, '').split('\n');
    const mark = part.change === 'added' ? '+ ' : part.change === 'removed' ? '- ' : '  ';
    const text = lines.map((l) => mark + l).join('\n') + '\n';
    pre.append(part.change === 'added' ? h('ins', {}, text) : part.change === 'removed' ? h('del', {}, text) : text);
  }
  return h(
    'section',
    { id: 'replay-diff', class: 'replay-diff', 'aria-labelledby': 'diff-title' },
    h('h4', { id: 'diff-title' }, `Original ${original.id} against replay ${replay.id}`),
    h('p', { id: 'diff-status', class: statusSame ? 'same' : 'changed' }, `Status: ${d.status.before || 'none'} → ${d.status.after || 'none'} (${statusSame ? 'same' : 'changed'})`),
    h(
      'table',
      { class: 'headers diff-headers', id: 'diff-headers' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Header'), h('th', { scope: 'col' }, 'Original'), h('th', { scope: 'col' }, 'Replay'), h('th', { scope: 'col' }, ''))),
      headerRows,
    ),
    h('p', { class: 'hint', id: 'diff-body-note' }, `Body: ${d.bodySame ? 'the same bytes' : 'different'} (${d.bodyNote})`),
    pre,
  );
}
