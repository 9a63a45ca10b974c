// The live status page (served at `/` on the admin port; see docs/admin-api.md "The status page").
import { type AdminAction, runAction } from './admin-actions';
import { loadToken, saveToken } from './admin-token';
import { Inspector } from './inspector';
import { LiveStream } from './live-stream';
import { formatAgo, RateChart } from './rate-chart';
import { renderSnapshot } from './render-tables';

let token = loadToken();

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

function notify(message: string, kind: 'info' | 'ok' | 'error'): void {
  const notice = byId('notice');
  notice.textContent = message;
  notice.dataset.kind = kind;
  notice.hidden = false;
}

function start(): void {
  const connection = byId('connection');
  const chart = new RateChart(byId('chart'), byId('legend'));
  // Chosen an endpoint: the stream is reopened with ?endpoint= so only its captures come.
  const inspector = new Inspector({ token: () => token, notify, endpointChanged: () => stream.restart() });
  const stream = new LiveStream(
    {
      hello: (hello) => {
        // A new stream (first, after a break, or for another endpoint): the request list is read
        // now that captures are being announced, so none made meanwhile is missing.
        inspector.onReconnect();
        chart.reset(hello.points, hello.historyMs, hello.intervalMs);
        byId('chart-window').textContent = `(up to ${formatAgo(hello.historyMs)}, solid: requests, dashed: errors)`;
      },
      snapshot: (snapshot) => {
        renderSnapshot(snapshot);
        inspector.setEndpoints(snapshot.endpoints.map((e) => e.id));
        if (snapshot.point) chart.add(snapshot.point);
      },
      problem: (problem) => notify(`The admin service cannot read the cluster: ${problem.error}`, 'error'),
      request: (summary) => inspector.onCapture(summary),
      state: (state, detail) => {
        connection.dataset.state = state;
        connection.textContent = state === 'live' ? 'live' : detail ? `${state}: ${detail}` : state;
        if (state === 'unauthorized') {
          notify(token ? 'The admin token was refused: enter another one.' : 'This admin port requires a token (admin.auth): enter it above.', 'error');
          byId<HTMLInputElement>('token').focus();
        }
      },
    },
    () => token,
    () => inspector.selectedEndpoint,
  );

  window.addEventListener('resize', () => chart.redraw());

  byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('token');
    token = input.value.trim();
    input.value = '';
    saveToken(token);
    notify(token ? 'Token saved for this tab.' : 'Token cleared.', 'info');
    stream.restart();
  });
  byId('token-forget').addEventListener('click', () => {
    token = '';
    saveToken('');
    notify('Token forgotten.', 'info');
    stream.restart();
  });

  // One listener for every action button, present or future (rows are rebuilt as data changes).
  document.querySelector('main')?.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button[data-path]');
    if (!(button instanceof HTMLButtonElement)) return;
    const action: AdminAction = { label: button.dataset.label ?? '', method: button.dataset.method === 'DELETE' ? 'DELETE' : 'POST', path: button.dataset.path ?? '' };
    if (!window.confirm(`Really ${action.label}?`)) return;
    button.disabled = true;
    void runAction(action, token).then((outcome) => {
      // 401 (e.g. admin.api.public_read: the page reads without a token, actions need one).
      const hint = outcome.status === 401 ? ' Enter the admin token above.' : '';
      notify(outcome.message + hint, outcome.ok ? 'ok' : 'error');
      if (hint) byId<HTMLInputElement>('token').focus();
      button.disabled = false;
    });
  });

  stream.restart();
}

start();
