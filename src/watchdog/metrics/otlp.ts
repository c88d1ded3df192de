import { hostname } from "node:os";
import type * as Metric from "effect/Metric";
import type { JobEvent } from "../../services/JobStore.ts";

// OTLP/HTTP with JSON bodies, by hand: effect/observability's OtlpMetrics and OtlpLogger bring
// Effect's HTTP client and serializers (`bun bench/tools/metrics-imports.ts`); these bodies are small.

type AnyValue = { readonly stringValue: string } | { readonly doubleValue: number } | { readonly intValue: string };
interface KeyValue { readonly key: string; readonly value: AnyValue }

const attributes = (set: Record<string, string | number | undefined> | undefined): KeyValue[] =>
  Object.entries(set ?? {}).flatMap(([key, v]) =>
    v === undefined ? [] : [{ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } }]);

const resource = (serviceVersion: string) => ({
  attributes: attributes({ "service.name": "codex-supervisor", "service.version": serviceVersion, "host.name": hostname(), "process.pid": process.pid }),
});
const SCOPE = { name: "codex-supervisor" };
const nanos = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();
const CUMULATIVE = 2;

const metric = (m: Metric.Metric.Snapshot, start: string, now: string) => {
  const base = { startTimeUnixNano: start, timeUnixNano: now, attributes: attributes(m.attributes) };
  switch (m.type) {
    case "Counter": return { sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [{ ...base, asDouble: Number(m.state.count) }] } };
    case "Gauge": return { gauge: { dataPoints: [{ ...base, asDouble: Number(m.state.value) }] } };
    case "Histogram": {
      const bounds = m.state.buckets.map(([le]) => le).filter((le) => le !== Infinity);
      // OTLP counts per bucket, the last one above every bound; Effect's are cumulative
      const cumulative = [...bounds.map((_, i) => m.state.buckets[i]![1]), m.state.count];
      const bucketCounts = cumulative.map((c, i) => String(c - (i === 0 ? 0 : cumulative[i - 1]!)));
      return { histogram: { aggregationTemporality: CUMULATIVE, dataPoints: [{ ...base, count: String(m.state.count), sum: m.state.sum, bucketCounts, explicitBounds: bounds }] } };
    }
    default: return undefined;
  }
};

/** An ExportMetricsServiceRequest: every series, cumulative since `startMs`. */
export const metricsRequest = (snapshot: ReadonlyArray<Metric.Metric.Snapshot>, startMs: number, nowMs: number, version: string) => {
  const byName = new Map<string, { name: string; description: string; data: Record<string, { dataPoints: unknown[] }> }>();
  const start = nanos(startMs), now = nanos(nowMs);
  for (const m of snapshot) {
    const data = metric(m, start, now);
    if (!data) continue;
    const [kind, body] = Object.entries(data)[0]!;
    const known = byName.get(m.id);
    if (known) known.data[kind]!.dataPoints.push(...body.dataPoints);
    else byName.set(m.id, { name: m.id, description: m.description ?? "", data: { [kind]: { ...body, dataPoints: [...body.dataPoints] } } });
  }
  const metrics = [...byName.values()].map(({ name, description, data }) => ({ name, description, ...data }));
  return { resourceMetrics: [{ resource: resource(version), scopeMetrics: [{ scope: SCOPE, metrics }] }] };
};

const ERROR_KINDS = new Set(["error", "tick-error", "config-error"]);

/** An ExportLogsServiceRequest: one log record per event, as `events` shows them. */
export const logsRequest = (events: ReadonlyArray<JobEvent>, nowMs: number, version: string) => ({
  resourceLogs: [{
    resource: resource(version),
    scopeLogs: [{
      scope: SCOPE,
      logRecords: events.map((e) => ({
        timeUnixNano: nanos(e.at),
        observedTimeUnixNano: nanos(nowMs),
        severityNumber: ERROR_KINDS.has(e.kind) ? 17 : 9,
        severityText: ERROR_KINDS.has(e.kind) ? "ERROR" : "INFO",
        body: { stringValue: e.message },
        attributes: attributes({ "event.id": e.id, "event.kind": e.kind, job_id: e.jobId, pid: e.pid, policy: e.policy, action: e.action }),
      })),
    }],
  }],
});

/** POSTs one OTLP/HTTP JSON request; why it failed, or undefined. Never throws. */
export const postOtlp = async (base: string, path: "/v1/metrics" | "/v1/logs", body: unknown, timeoutMs: number): Promise<string | undefined> => {
  try {
    const url = `${base.replace(/\/+$/, "")}${path}`;
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok ? undefined : `${url} answered ${response.status}`;
  } catch (cause) {
    return cause instanceof Error ? cause.message : String(cause);
  }
};
