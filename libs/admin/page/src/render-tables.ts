import type { LiveSnapshot } from '../../src/page/live-event';
import { type AdminAction, disconnectEndpoint, disconnectUpstream, drainNode } from './admin-actions';
import { formatRate } from './rate-chart';

/**
 * A cell: text (always set as textContent: IDs come from agents and must never become markup), an
 * action's button, or the button that lists an endpoint's captured requests.
 */
type Cell = string | number | { text: string; className: string } | { action: AdminAction; button: string } | { inspect: string };

/**
 * Fills the page's tables and counters from a snapshot. Rows are rebuilt only when their content
 * changed, so a button is not replaced under the pointer every second.
 */
export function renderSnapshot(s: LiveSnapshot): void {
  const roles = new Map<string, number>();
  for (const n of s.nodes) roles.set(n.role, (roles.get(n.role) ?? 0) + 1);
  setText('count-nodes', String(s.nodes.length));
  setText('count-roles', [...roles].sort().map(([role, count]) => `${count} ${role}`).join(', '));
  setText('count-endpoints', String(s.endpoints.length));
  setText('count-upstreams', String(s.endpoints.reduce((sum, e) => sum + e.upstreams, 0)));
  // Totals over the nodes that proxy (every request they saw, endpoints without an upstream too).
  const rated = s.nodes.flatMap((n) => (n.rates ? [n.rates] : []));
  setText('rate-requests', rated.length ? formatRate(rated.reduce((sum, r) => sum + r.requestsPerSecond, 0)) : '–');
  setText('rate-errors', rated.length ? formatRate(rated.reduce((sum, r) => sum + r.errorsPerSecond, 0)) : '–');

  fill(
    'nodes',
    [...s.nodes].sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id)),
    (n) => n.id,
    (n) => [
      { text: n.id, className: 'id' },
      n.role,
      { text: n.state, className: `state-${n.state}` },
      Object.entries(n.addresses).filter(([, addr]) => addr).map(([port, addr]) => `${port} ${addr}`).join(', '),
      new Date(n.startedAt).toLocaleString(),
      n.role === 'gateway' ? n.counts.upstreams : '',
      n.rates ? `${formatRate(n.rates.requestsPerSecond)} / ${formatRate(n.rates.errorsPerSecond)}` : '',
      n.role === 'gateway' && n.state === 'active' ? { action: drainNode(n.id), button: 'Drain' } : '',
    ],
  );
  fill(
    'endpoints',
    s.endpoints,
    (e) => e.id,
    (e) => [
      { text: e.id, className: 'id' },
      e.upstreams,
      gatewaysOf(s, e.id, e.gatewayCount),
      s.point ? formatRate(e.requestsPerSecond) : '–',
      s.point ? formatRate(e.errorsPerSecond) : '–',
      [{ inspect: e.id }, { action: disconnectEndpoint(e.id), button: 'Disconnect' }],
    ],
  );
  setHidden('endpoints-empty', s.endpoints.length > 0);

  const upstreams = s.upstreams ?? [];
  fill(
    'upstreams',
    [...upstreams].sort((a, b) => a.endpointId.localeCompare(b.endpointId) || a.id.localeCompare(b.id)),
    (u) => u.id,
    (u) => [
      { text: u.id, className: 'id' },
      u.endpointId,
      u.node,
      u.remoteAddr,
      u.agentVersion ?? u.userAgent ?? '',
      new Date(u.connectedAt).toLocaleTimeString(),
      u.openStreams,
      u.requests,
      u.retiring ? { text: 'retiring', className: 'state-draining' } : { action: disconnectUpstream(u.id), button: 'Disconnect' },
    ],
  );
  setHidden('upstreams-section', s.upstreams === undefined);
  setHidden('upstreams-empty', upstreams.length > 0);
  setText('unreachable', s.unreachable.length ? `not answering: ${s.unreachable.map((u) => `${u.node} (${u.reason})`).join(', ')}` : '');
}

/** The gateways holding an endpoint's sessions, by name when sessions are listed, else their count. */
function gatewaysOf(s: LiveSnapshot, endpointId: string, count: number): string {
  if (!s.upstreams) return String(count);
  const byNode = new Map<string, number>();
  for (const u of s.upstreams) if (u.endpointId === endpointId) byNode.set(u.node, (byNode.get(u.node) ?? 0) + 1);
  return [...byNode].sort().map(([node, n]) => `${node} (${n})`).join(', ') || String(count);
}

function fill<T>(tableId: string, items: T[], key: (item: T) => string, cells: (item: T) => Array<Cell | Cell[]>): void {
  const tbody = document.querySelector(`#${tableId} tbody`);
  if (!tbody) return;
  const existing = new Map<string, HTMLTableRowElement>();
  for (const row of Array.from(tbody.querySelectorAll('tr'))) existing.set(row.dataset.key ?? '', row);
  const rows = items.map((item) => {
    const content = cells(item);
    const signature = JSON.stringify(content);
    const old = existing.get(key(item));
    if (old && old.dataset.signature === signature) return old;
    const row = document.createElement('tr');
    row.dataset.key = key(item);
    row.dataset.signature = signature;
    for (const cell of content) row.append(td(cell));
    return row;
  });
  tbody.replaceChildren(...rows);
}

function td(cell: Cell | Cell[]): HTMLTableCellElement {
  const td = document.createElement('td');
  const cells = Array.isArray(cell) ? cell : [cell];
  for (const c of cells) {
    if (typeof c === 'object' && 'action' in c) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'danger';
      button.textContent = c.button;
      button.dataset.method = c.action.method;
      button.dataset.path = c.action.path;
      button.dataset.label = c.action.label;
      td.className = 'actions';
      td.append(button);
    } else if (typeof c === 'object' && 'inspect' in c) {
      // Lists the endpoint's captured requests in the Requests section (libs/admin/page/src/inspector.ts).
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Requests';
      button.dataset.inspect = c.inspect;
      button.setAttribute('aria-label', `Requests of ${c.inspect}`);
      td.className = 'actions';
      td.append(button, ' ');
    } else if (typeof c === 'object') {
      td.className = c.className;
      td.textContent = c.text;
    } else {
      td.textContent = String(c);
    }
  }
  return td;
}

function setText(id: string, text: string): void {
  const node = document.getElementById(id);
  if (node && node.textContent !== text) node.textContent = text;
}

function setHidden(id: string, hidden: boolean): void {
  const node = document.getElementById(id);
  if (node) node.hidden = hidden;
}
