/**
 * The samples of a Prometheus text exposition (format 0.0.4, what prom-client writes for `GET /metrics`): enough for
 * the operations page to show a few counters, not a general client. Comments, HELP and TYPE lines are skipped.
 */

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusText {
  readonly samples: readonly MetricSample[];
  /** Metric families from the `# TYPE name type` lines (a labelled counter is declared before it has samples). */
  readonly types: ReadonlyMap<string, string>;
}

const TYPE = /^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)\s*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
/** One `name="value"` and the comma after it (or the end): labels must be comma-separated. */
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function labelValue(escaped: string): string {
  return escaped.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
}

function numberOf(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Every sample line and declared type; a line that is not well formed is skipped rather than failing the page. */
export function parsePrometheusText(text: string): PrometheusText {
  const out: MetricSample[] = [];
  const types = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const t = TYPE.exec(line);
      if (t !== null) types.set(t[1] ?? '', t[2] ?? '');
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let l = LABEL.exec(body); l !== null; l = LABEL.exec(body)) {
      labels[l[1] ?? ''] = labelValue(l[2] ?? '');
      consumed = LABEL.lastIndex;
    }
    if (consumed !== body.length) continue;
    const value = numberOf(m[3] ?? '');
    if (Number.isNaN(value) && m[3] !== 'NaN') continue;
    out.push({ name: m[1] ?? '', labels, value });
  }
  return { samples: out, types };
}

/**
 * The sum of the samples named `name` whose labels pass `where` (all of them by default): 0 when the family is
 * declared but no sample matches (a labelled counter nothing has incremented yet), `undefined` when the node does not
 * expose the metric at all (another version).
 */
export function metricSum(
  metrics: PrometheusText,
  name: string,
  where: (labels: Readonly<Record<string, string>>) => boolean = () => true,
): number | undefined {
  let sum: number | undefined;
  for (const s of metrics.samples) if (s.name === name && where(s.labels)) sum = (sum ?? 0) + s.value;
  return sum ?? (metrics.types.has(name) ? 0 : undefined);
}
