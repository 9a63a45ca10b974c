/** One metric family of a Prometheus text exposition: its TYPE and the label names of its samples. */
export interface MetricFamily {
  type: string;
  /** Sample names of the family (a histogram's `_bucket`, `_sum`, `_count`; others their own name). */
  sampleNames: Set<string>;
  /** Every label name seen on any of its samples. */
  labelNames: Set<string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;

/**
 * Parses the text exposition format (version 0.0.4) far enough for tests: `# TYPE` lines name
 * the families, sample lines give names, label names and values. Samples are attached to the
 * family whose name they extend (`x_bucket` → `x` when `x` is a histogram). No npm parser is
 * used: the one on npm (parse-prometheus-text-format) has not been released since 2018.
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      families.set(type[1], { type: type[2], sampleNames: new Set(), labelNames: new Set(), samples: [] });
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const [, name, labelText = '', value] = sample;
    const family = familyOf(families, name);
    if (!family) throw new Error(`sample ${name} has no # TYPE line before it`);
    const labels: Record<string, string> = {};
    for (const m of labelText.matchAll(LABEL)) labels[m[1]] = m[2];
    family.sampleNames.add(name);
    for (const label of Object.keys(labels)) family.labelNames.add(label);
    family.samples.push({ name, labels, value: Number(value) });
  }
  return families;
}

function familyOf(families: Map<string, MetricFamily>, sampleName: string): MetricFamily | undefined {
  const own = families.get(sampleName);
  if (own) return own;
  const suffix = /_(bucket|sum|count)$/.exec(sampleName);
  return suffix ? families.get(sampleName.slice(0, -suffix[0].length)) : undefined;
}

/** The value of the sample `name` whose labels include `labels`, or undefined. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(families, name);
  const sample = family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return sample?.value;
}
