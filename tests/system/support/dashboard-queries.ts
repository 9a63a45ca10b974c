import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';

/** A metric a dashboard query selects, with the label names its matchers use. */
export interface SelectedMetric {
  metric: string;
  labels: string[];
  panel: string;
  expr: string;
}

interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: Array<{ expr?: string }>;
}

/**
 * Every PromQL expression of a Grafana dashboard JSON (rows' nested panels included), parsed with
 * Prometheus's own grammar (@prometheus-io/lezer-promql): throws on a query that does not parse,
 * and returns each vector selector's metric name and matcher label names. Grafana's
 * `$__rate_interval` is replaced by a duration first (the grammar has no variables).
 */
export function dashboardSelections(path: string): SelectedMetric[] {
  const dashboard = JSON.parse(readFileSync(path, 'utf8')) as { panels: Panel[] };
  const selections: SelectedMetric[] = [];
  const visit = (panel: Panel) => {
    for (const child of panel.panels ?? []) visit(child);
    for (const target of panel.targets ?? []) {
      if (!target.expr) throw new Error(`panel "${panel.title}" has a target without expr`);
      selections.push(...selectionsOf(target.expr, panel.title ?? ''));
    }
  };
  dashboard.panels.forEach(visit);
  return selections;
}

function selectionsOf(expr: string, panel: string): SelectedMetric[] {
  const query = expr.replaceAll('$__rate_interval', '5m');
  if (query.includes('$')) throw new Error(`panel "${panel}": unknown variable in ${expr}`);
  const cursor = parser.parse(query).cursor();
  const found: SelectedMetric[] = [];
  let current: SelectedMetric | undefined;
  let selectorEnd = -1;
  do {
    if (cursor.type.isError) throw new Error(`panel "${panel}": PromQL does not parse at ${cursor.from}: ${expr}`);
    if (cursor.name === 'VectorSelector') {
      current = { metric: '', labels: [], panel, expr };
      selectorEnd = cursor.to;
      found.push(current);
    } else if (current && cursor.from >= selectorEnd) {
      current = undefined;
    }
    if (current && cursor.name === 'Identifier' && current.metric === '') current.metric = query.slice(cursor.from, cursor.to);
    if (current && cursor.name === 'LabelName') current.labels.push(query.slice(cursor.from, cursor.to));
  } while (cursor.next());
  for (const s of found) if (!s.metric) throw new Error(`panel "${panel}": a selector without a metric name in ${expr}`);
  return found;
}
