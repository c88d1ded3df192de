import type * as Metric from "effect/Metric";

// By hand rather than effect/observability's PrometheusMetrics.format: that module brings Effect's
// HTTP router with it, megabytes of RSS the watchdog's budget (0.8× PM2's daemon) has no room for;
// see `bun bench/tools/metrics-imports.ts` and bench/NOTES.md, "Metrics (issue 27)".

/** A label value as the exposition format writes it: backslash, double quote and line feed escaped. */
export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n");

const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

const number = (value: number | bigint): string =>
  typeof value === "bigint" ? value.toString()
  : Number.isNaN(value) ? "NaN" : value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value);

// a running job's four gauges share one label set: escaped once per scrape, not once per gauge
const written = new WeakMap<Metric.Metric.AttributeSet, string>();

const labels = (attributes: Metric.Metric.AttributeSet | undefined, extra?: readonly [string, string]): string => {
  if (attributes && !extra) {
    const known = written.get(attributes);
    if (known !== undefined) return known;
    const text = labelText(attributes);
    written.set(attributes, text);
    return text;
  }
  return labelText(attributes, extra);
};

const labelText = (attributes: Metric.Metric.AttributeSet | undefined, extra?: readonly [string, string]): string => {
  const pairs = Object.entries(attributes ?? {}).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
};

const TYPES: Record<Metric.Metric.Type, string> = { Counter: "counter", Gauge: "gauge", Histogram: "histogram", Summary: "summary", Frequency: "counter" };

const samples = (name: string, m: Metric.Metric.Snapshot, out: string[]): void => {
  switch (m.type) {
    case "Counter": out.push(`${name}${labels(m.attributes)} ${number(m.state.count)}`); return;
    case "Gauge": out.push(`${name}${labels(m.attributes)} ${number(m.state.value)}`); return;
    case "Histogram":
      // Effect's buckets are cumulative already: [upper bound, observations at or below it]
      for (const [le, count] of m.state.buckets) if (le !== Infinity) out.push(`${name}_bucket${labels(m.attributes, ["le", String(le)])} ${count}`);
      out.push(`${name}_bucket${labels(m.attributes, ["le", "+Inf"])} ${m.state.count}`);
      out.push(`${name}_sum${labels(m.attributes)} ${number(m.state.sum)}`);
      out.push(`${name}_count${labels(m.attributes)} ${m.state.count}`);
      return;
    default: return; // the watchdog makes no summaries or frequencies
  }
};

/** The Prometheus text exposition (version 0.0.4) of these series, one family per name. */
export const exposition = (snapshot: ReadonlyArray<Metric.Metric.Snapshot>): string => {
  const families = new Map<string, Metric.Metric.Snapshot[]>();
  for (const m of snapshot) {
    const family = families.get(m.id);
    if (family) family.push(m);
    else families.set(m.id, [m]);
  }
  const out: string[] = [];
  for (const [name, series] of families) {
    const first = series[0]!;
    if (first.description) out.push(`# HELP ${name} ${escapeHelp(first.description)}`);
    out.push(`# TYPE ${name} ${TYPES[first.type]}`);
    for (const m of series) samples(name, m, out);
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
};

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
