import type { RatePoint } from '../../src/page/live-event';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 220;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };
/** The (others) series, as the server names it (libs/admin/src/page/rate-history.ts). */
const OTHERS = '(others)';
/** The shortest time span the x axis shows. */
const MIN_WINDOW_MS = 60_000;

/**
 * The chart of requests/s (solid) and errors/s (dashed) per endpoint over the history window
 * (or the time since the first point, if shorter, but at least a minute),
 * drawn as plain SVG (no chart library: a few polylines and labels). Series colours come from
 * CSS classes (.s0….s9), since the page's CSP allows no inline styles. A gap in the data (nobody
 * was watching, the admin restarted) breaks the line instead of bridging it.
 */
export class RateChart {
  private points: RatePoint[] = [];
  private historyMs = 300_000;
  private intervalMs = 1_000;
  /** Endpoint → colour class, stable while the page is open. */
  private readonly colours = new Map<string, string>();

  constructor(
    private readonly container: HTMLElement,
    private readonly legend: HTMLElement,
  ) {}

  /** Starts over from the server's history (each new stream begins with it). */
  reset(points: RatePoint[], historyMs: number, intervalMs: number): void {
    this.points = [...points];
    this.historyMs = historyMs;
    this.intervalMs = intervalMs;
    this.draw(Date.now());
  }

  /** Draws again at the container's current width (on window resize). */
  redraw(): void {
    this.draw(this.points[this.points.length - 1]?.at ?? Date.now());
  }

  add(point: RatePoint): void {
    this.points.push(point);
    const from = point.at - this.historyMs;
    while (this.points.length > 0 && this.points[0].at < from) this.points.shift();
    this.draw(point.at);
  }

  private colour(endpoint: string): string {
    if (endpoint === OTHERS) return 's-others';
    let c = this.colours.get(endpoint);
    if (!c) {
      c = `s${this.colours.size % 10}`;
      this.colours.set(endpoint, c);
    }
    return c;
  }

  private draw(now: number): void {
    // The window spans the data kept, at least a minute and at most the history: a page opened a
    // few seconds ago shows its lines across the chart, not squeezed against "now".
    const span = this.points.length > 0 ? now - this.points[0].at : 0;
    const windowMs = Math.min(this.historyMs, Math.max(MIN_WINDOW_MS, span));
    const from = now - windowMs;
    const endpoints = [...new Set(this.points.flatMap((p) => Object.keys(p.rates)))].sort();
    let max = 0;
    for (const p of this.points) for (const r of Object.values(p.rates)) max = Math.max(max, r.requests, r.errors);
    const top = niceCeiling(max);
    // Drawn at the container's pixel width, so labels are not stretched.
    const WIDTH = Math.max(320, this.container.clientWidth - 16);
    const x = (at: number) => PAD.left + ((at - from) / windowMs) * (WIDTH - PAD.left - PAD.right);
    const y = (v: number) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);

    const svg = el('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'requests and errors per second per endpoint' });
    for (const v of [0, top / 2, top]) {
      svg.append(el('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }));
      svg.append(text(formatRate(v), { class: 'axis-label', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }));
    }
    for (const [fraction, anchor] of [[0, 'start'], [0.5, 'middle'], [1, 'end']] as const) {
      const ago = windowMs * (1 - fraction);
      svg.append(text(ago === 0 ? 'now' : `−${formatAgo(ago)}`, { class: 'axis-label', x: x(from + windowMs * fraction), y: HEIGHT - 6, 'text-anchor': anchor }));
    }
    for (const endpoint of endpoints) {
      for (const kind of ['requests', 'errors'] as const) {
        for (const run of this.runs(endpoint)) {
          const coords = run.map((p) => `${x(p.at).toFixed(1)},${y(p.rates[endpoint]?.[kind] ?? 0).toFixed(1)}`).join(' ');
          svg.append(el('polyline', { class: `series ${kind} ${this.colour(endpoint)}`, points: coords, 'data-endpoint': endpoint }));
        }
      }
    }
    this.container.replaceChildren(svg);
    this.drawLegend(endpoints);
  }

  /** The points split where data is missing for more than two intervals. */
  private runs(endpoint: string): RatePoint[][] {
    const runs: RatePoint[][] = [];
    let run: RatePoint[] = [];
    let previous: number | undefined;
    for (const p of this.points) {
      if (previous !== undefined && p.at - previous > this.intervalMs * 2.5) {
        runs.push(run);
        run = [];
      }
      // An endpoint absent from a point had no traffic then (or had none yet): 0.
      run.push(p.rates[endpoint] ? p : { at: p.at, rates: { [endpoint]: { requests: 0, errors: 0 } } });
      previous = p.at;
    }
    runs.push(run);
    return runs.filter((r) => r.length > 1);
  }

  private drawLegend(endpoints: string[]): void {
    const latest = this.points[this.points.length - 1];
    const items = endpoints.map((endpoint) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = `swatch ${this.colour(endpoint)}`;
      const r = latest?.rates[endpoint];
      li.append(swatch, `${endpoint} ${formatRate(r?.requests ?? 0)} req/s, ${formatRate(r?.errors ?? 0)} err/s`);
      return li;
    });
    if (items.length === 0) {
      const li = document.createElement('li');
      li.textContent = 'No request counts yet.';
      items.push(li);
    }
    this.legend.replaceChildren(...items);
  }
}

function el(name: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function text(content: string, attrs: Record<string, string | number>): SVGElement {
  const node = el('text', attrs);
  node.textContent = content;
  return node;
}

/** The y axis' top: 1, 2 or 5 × a power of ten, at least `max` (and at least 1 req/s). */
export function niceCeiling(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function formatRate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '') || '0';
}

export function formatAgo(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = s / 60;
  return Number.isInteger(m) ? `${m}m` : `${m.toFixed(1)}m`;
}
