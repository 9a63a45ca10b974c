import { byId, h } from './dom';
import type { ExchangeRecord, ExchangeSummary, ReplayEdits } from './exchange-types';
import { type ApiResult, getInspect, getRequest, listRequests, replayRequest, setInspect } from './inspect-api';
import { replayForm, renderDiff } from './replay-view';
import { renderDetail } from './request-detail';
import { matchesFilter, NO_FILTER, type RequestFilter, STATUS_FILTER } from './request-filter';
import { RequestList } from './request-list';

/** Rows the list keeps (the newest). */
const LIST_LIMIT = 100;

/** What the inspector needs from the rest of the page. */
export interface InspectorHost {
  token(): string;
  notify(message: string, kind: 'info' | 'ok' | 'error'): void;
  /** Another endpoint was chosen (the live channel is reopened for its captures). */
  endpointChanged(): void;
}

/**
 * The "Requests" section (issue 11): pick an endpoint (its row's Requests button, or type its
 * ID), filter by status, method and path prefix, watch captures arrive live, open one, replay
 * it (as captured or edited) and compare the replay's response with the original's; turn
 * capture on or off for the endpoint. All data comes from the inspection API
 * (docs/admin-api.md "Traffic inspection") with the page's admin token.
 */
export class Inspector {
  private endpoint = '';
  private filter: RequestFilter = NO_FILTER;
  private readonly list: RequestList;
  private shown?: ExchangeRecord;
  /** Bumped on every new selection: answers to an older one are dropped. */
  private generation = 0;

  constructor(private readonly host: InspectorHost) {
    this.list = new RequestList(byId('request-list-box'), byId<HTMLTableElement>('requests').tBodies[0], LIST_LIMIT, (id) => void this.openDetail(id));
    byId<HTMLFormElement>('requests-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.applyForm();
    });
    byId<HTMLInputElement>('inspect-enabled').addEventListener('change', (event) => void this.toggle((event.target as HTMLInputElement).checked));
    // Every endpoint row's Requests button (rows are rebuilt as data changes).
    document.querySelector('main')?.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest('button[data-inspect]');
      if (!(button instanceof HTMLButtonElement)) return;
      byId<HTMLInputElement>('requests-endpoint').value = button.dataset.inspect ?? '';
      this.applyForm();
      byId('requests-title').scrollIntoView({ block: 'start' });
      byId<HTMLInputElement>('requests-endpoint').focus();
    });
  }

  /** The endpoint whose requests are shown ('' before one is chosen). */
  get selectedEndpoint(): string {
    return this.endpoint;
  }

  /** Offers the endpoints the cluster knows in the endpoint field's suggestions. */
  setEndpoints(ids: string[]): void {
    const datalist = byId('endpoint-ids');
    const current = [...datalist.children].map((o) => (o as HTMLOptionElement).value).join('\n');
    if (current === ids.join('\n')) return;
    datalist.replaceChildren(...ids.map((id) => h('option', { value: id })));
  }

  /** A capture announced on the live channel (`event: request`). */
  onCapture(s: ExchangeSummary): void {
    if (!this.endpoint || s.endpoint_id !== this.endpoint || !matchesFilter(s, this.filter)) return;
    this.list.upsert([s]);
    this.showEmpty();
    // The open detail was of a stream still open: read it again now it has closed.
    if (this.shown?.id === s.id && this.shown.total_ms === null && s.total_ms !== null) void this.openDetail(s.id, false);
  }

  /** The live channel (re)connected: what came while it was down is read again. */
  onReconnect(): void {
    if (this.endpoint) void this.load();
  }

  private applyForm(): void {
    const endpoint = byId<HTMLInputElement>('requests-endpoint').value.trim();
    const status = byId<HTMLInputElement>('filter-status').value.trim().toLowerCase();
    const method = byId<HTMLInputElement>('filter-method').value.trim().toUpperCase();
    const pathPrefix = byId<HTMLInputElement>('filter-path').value;
    if (!endpoint) {
      this.host.notify('Give an endpoint ID to list its requests.', 'error');
      byId<HTMLInputElement>('requests-endpoint').focus();
      return;
    }
    if (status && !STATUS_FILTER.test(status)) {
      this.host.notify(`Status filter "${status}": give a status (404) or a class (5xx).`, 'error');
      byId<HTMLInputElement>('filter-status').focus();
      return;
    }
    const changedEndpoint = endpoint !== this.endpoint;
    this.endpoint = endpoint;
    this.filter = { status, method, pathPrefix };
    if (changedEndpoint) this.closeDetail();
    byId('requests-endpoint-name').textContent = `of ${endpoint}`;
    void this.loadToggle();
    // Another endpoint: the live channel reopens with ?endpoint= and, once live, reads the list
    // (onReconnect), so captures between the two are not lost; same endpoint, new filters: read now.
    if (changedEndpoint) {
      this.generation++;
      this.list.clear();
      this.setEmpty('Loading…');
      this.host.endpointChanged();
    } else void this.load();
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    const endpoint = this.endpoint;
    this.list.clear();
    this.setEmpty('Loading…');
    const result = await listRequests(endpoint, this.filter, LIST_LIMIT, this.host.token());
    if (generation !== this.generation) return;
    if (!result.ok) {
      this.setEmpty(`Cannot list the requests: ${result.message}`);
      this.failed('list requests', result);
      return;
    }
    this.list.upsert(result.data.requests);
    const unreachable = result.data.unreachable_nodes;
    byId('requests-unreachable').textContent = unreachable.length ? `not answering (their captures are missing): ${unreachable.join(', ')}` : '';
    this.showEmpty();
  }

  private showEmpty(): void {
    const enabled = byId<HTMLInputElement>('inspect-enabled').checked;
    if (this.list.size > 0) this.setEmpty('');
    else this.setEmpty(enabled ? 'No request captured yet: new ones appear here as they come.' : 'Capture is off for this endpoint: turn it on above to record its requests.');
  }

  private setEmpty(text: string): void {
    const p = byId('requests-empty');
    p.textContent = text;
    p.hidden = text === '';
  }

  private async loadToggle(): Promise<void> {
    const endpoint = this.endpoint;
    const box = byId<HTMLInputElement>('inspect-enabled');
    byId('inspect-toggle-row').hidden = false;
    box.disabled = true;
    const result = await getInspect(endpoint, this.host.token());
    if (endpoint !== this.endpoint) return;
    box.disabled = false;
    if (!result.ok) {
      byId('inspect-source').textContent = `(state unknown: ${result.message})`;
      return;
    }
    box.checked = result.data.enabled;
    byId('inspect-source').textContent = result.data.source === 'runtime' ? '(set at run time)' : '(from proxy.inspect in the config)';
    this.showEmpty();
  }

  private async toggle(enabled: boolean): Promise<void> {
    const box = byId<HTMLInputElement>('inspect-enabled');
    box.disabled = true;
    const result = await setInspect(this.endpoint, enabled, this.host.token());
    box.disabled = false;
    if (!result.ok) {
      box.checked = !enabled;
      this.failed(`turn capture ${enabled ? 'on' : 'off'}`, result);
      return;
    }
    box.checked = result.data.enabled;
    byId('inspect-source').textContent = result.data.source === 'runtime' ? '(set at run time)' : '(from proxy.inspect in the config)';
    this.host.notify(`Capture ${result.data.enabled ? 'on' : 'off'} for ${result.data.endpoint_id} on every proxy.`, 'ok');
    this.showEmpty();
  }

  private async openDetail(id: string, focus = true): Promise<void> {
    this.list.select(id);
    const panel = byId('request-detail');
    const result = await getRequest(id, this.host.token());
    if (!result.ok) {
      this.failed(`read request ${id}`, result);
      return;
    }
    this.shown = result.data;
    panel.replaceChildren(
      renderDetail(result.data, {
        replay: (r) => void this.replay(r, {}),
        editReplay: (r) => this.editReplay(r),
        compareWithOriginal: (r) => void this.compareWithOriginal(r),
      }),
    );
    panel.hidden = false;
    if (focus) byId('detail-title').focus();
  }

  private closeDetail(): void {
    this.shown = undefined;
    this.list.select(undefined);
    const panel = byId('request-detail');
    panel.hidden = true;
    panel.replaceChildren();
  }

  private editReplay(r: ExchangeRecord): void {
    const area = byId('replay-area');
    const form = replayForm(
      r,
      (edits) => void this.replay(r, edits),
      () => area.replaceChildren(),
    );
    area.replaceChildren(form);
    byId<HTMLInputElement>('replay-method').focus();
  }

  private async replay(original: ExchangeRecord, edits: ReplayEdits): Promise<void> {
    const area = byId('replay-area');
    const buttons = [byId<HTMLButtonElement>('replay'), byId<HTMLButtonElement>('replay-edit')];
    for (const b of buttons) b.disabled = true;
    const result = await replayRequest(original.id, edits, this.host.token());
    for (const b of buttons) b.disabled = false;
    if (!result.ok) {
      this.failed(`replay ${original.id}`, result);
      return;
    }
    const replay = result.data.replay;
    this.host.notify(`Replayed ${original.id} as ${replay.id}: ${replay.status || 'no status'}${replay.error ? ` (${replay.error.cause})` : ''}.`, 'ok');
    area.replaceChildren(renderDiff(original, replay));
    byId('diff-title').scrollIntoView({ block: 'nearest' });
  }

  private async compareWithOriginal(replay: ExchangeRecord): Promise<void> {
    if (!replay.replay_of) return;
    const result = await getRequest(replay.replay_of, this.host.token());
    if (!result.ok) {
      this.failed(`read the original ${replay.replay_of}`, result);
      return;
    }
    byId('replay-area').replaceChildren(renderDiff(result.data, replay));
  }

  private failed(what: string, result: Extract<ApiResult<unknown>, { ok: false }>): void {
    const hint = result.status === 401 ? ' Enter the admin token above.' : '';
    this.host.notify(`${what} failed: ${result.message}.${hint}`, 'error');
    if (hint) byId<HTMLInputElement>('token').focus();
  }
}
