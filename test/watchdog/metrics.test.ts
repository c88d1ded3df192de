import { spawnSync } from "node:child_process";
import { expect, test } from "vitest";
import type { Job } from "../../src/core/job.ts";
import type { Subject } from "../../src/core/subject.ts";
import { escapeLabelValue, exposition } from "../../src/watchdog/metrics/exposition.ts";
import { logsRequest, metricsRequest } from "../../src/watchdog/metrics/otlp.ts";
import { makeRegistry } from "../../src/watchdog/metrics/registry.ts";

const HOSTILE = `we "quote" \\back\\slash \u001b[31mred\u001b[0m\r\nline2 ünï`;

const subject = (key: string, over: Partial<Subject> = {}, status: Job["status"] = "running"): Subject => ({
  key, tracked: true, job: { id: key, status } as Job, name: HOSTILE, cwd: "/w/a\nb", kind: "exec", pid: 10, pids: [10, 11],
  threadId: undefined, startedAt: 0, rss: 123_456, cpu: 0, cpuTimeMs: 2500, orphaned: false, lastActivityAt: undefined,
  tokens: 4242, python: { foreignInterpreters: [], repeatedMissingModules: [] }, ...over,
});
const untracked = (pid: number): Subject => ({ ...subject(`pid:${pid}:1`), tracked: false, job: undefined, name: undefined });

const lines = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

test("label values are escaped as the exposition format asks: backslash, quote and newline; nothing else is touched", () => {
  expect(escapeLabelValue(HOSTILE)).toBe(`we \\"quote\\" \\\\back\\\\slash \u001b[31mred\u001b[0m\r\\nline2 ünï`);
});

test("a running job's CPU, memory and tokens are gauged with its id, name and folder; untracked Codex are counted", () => {
  const r = makeRegistry();
  r.tick({ at: 1_800_000_000_000, durationMs: 12, subjects: () => [subject("job-a"), untracked(20), untracked(21)], jobs: new Map([["running", 1], ["killed", 3]]) });
  const text = exposition(r.snapshot());
  const labels = `{job_id="job-a",name="${escapeLabelValue(HOSTILE)}",cwd="/w/a\\nb"}`;
  expect(lines(text, "codex_supervisor_job_cpu_seconds")).toEqual([`codex_supervisor_job_cpu_seconds${labels} 2.5`]);
  expect(lines(text, "codex_supervisor_job_memory_bytes")).toEqual([`codex_supervisor_job_memory_bytes${labels} 123456`]);
  expect(lines(text, "codex_supervisor_job_tokens")).toEqual([`codex_supervisor_job_tokens${labels} 4242`]);
  expect(lines(text, "codex_supervisor_untracked_codex")).toEqual(["codex_supervisor_untracked_codex 2"]);
  expect(lines(text, "codex_supervisor_jobs")).toEqual(expect.arrayContaining(['codex_supervisor_jobs{status="running"} 1', 'codex_supervisor_jobs{status="killed"} 3', 'codex_supervisor_jobs{status="completed"} 0']));
  expect(lines(text, "codex_supervisor_last_tick_timestamp_seconds")).toEqual(["codex_supervisor_last_tick_timestamp_seconds 1800000000"]);
});

test("a job that ended drops out of the next tick's gauges, its strays too; the job counts hold until read again", () => {
  const r = makeRegistry();
  r.tick({ at: 1, durationMs: 1, subjects: () => [subject("job-a"), subject("job-b")], jobs: new Map([["running", 2]]) });
  r.tick({ at: 2, durationMs: 1, subjects: () => [subject("job-a"), subject("job-b", {}, "completed")], jobs: undefined });
  const text = exposition(r.snapshot());
  expect(lines(text, "codex_supervisor_job_memory_bytes").map((l) => /job_id="([^"]+)"/.exec(l)?.[1])).toEqual(["job-a"]);
  expect(lines(text, "codex_supervisor_jobs")).toContain('codex_supervisor_jobs{status="running"} 2');
});

test("firings, kills, refused kills and notify failures are counted; the alerting counters exist at zero from the start", () => {
  const r = makeRegistry();
  expect(lines(exposition(r.snapshot()), "codex_supervisor_kills_refused_total")).toEqual(["codex_supervisor_kills_refused_total 0"]);
  r.firing("max-runtime", "kill", true);
  r.firing("max-runtime", "kill", true);
  r.firing("stuck", "notify", false);
  r.kill("killed");
  r.kill("refused");
  const text = exposition(r.snapshot());
  expect(lines(text, "codex_supervisor_policy_firings_total")).toEqual([
    'codex_supervisor_policy_firings_total{policy="max-runtime",action="kill",result="done"} 2',
    'codex_supervisor_policy_firings_total{policy="stuck",action="notify",result="not-done"} 1',
  ]);
  expect(lines(text, "codex_supervisor_kills_total")).toContain('codex_supervisor_kills_total{result="killed"} 1');
  expect(lines(text, "codex_supervisor_kills_refused_total")).toEqual(["codex_supervisor_kills_refused_total 1"]);
  expect(lines(text, "codex_supervisor_notify_failures_total")).toEqual(["codex_supervisor_notify_failures_total 1"]);
});

test("the tick histogram's buckets are cumulative in the exposition and per bucket in OTLP", () => {
  const r = makeRegistry();
  for (const ms of [0.2, 3, 3, 40_000]) r.tick({ at: 1, durationMs: ms, subjects: () => [], jobs: undefined });
  const text = exposition(r.snapshot());
  expect(text).toContain('codex_supervisor_tick_duration_seconds_bucket{le="0.0005"} 1');
  expect(text).toContain('codex_supervisor_tick_duration_seconds_bucket{le="0.005"} 3');
  expect(text).toContain('codex_supervisor_tick_duration_seconds_bucket{le="10"} 3');
  expect(text).toContain('codex_supervisor_tick_duration_seconds_bucket{le="+Inf"} 4');
  expect(text).toContain("codex_supervisor_tick_duration_seconds_count 4");
  const otlp = metricsRequest(r.snapshot(), 0, 1000, "0.0.0");
  const histogram = otlp.resourceMetrics[0]!.scopeMetrics[0]!.metrics.find((m) => m.name === "codex_supervisor_tick_duration_seconds") as unknown as { histogram: { dataPoints: Array<{ bucketCounts: string[]; explicitBounds: number[]; count: string }> } };
  const point = histogram.histogram.dataPoints[0]!;
  expect(point.bucketCounts.length).toBe(point.explicitBounds.length + 1);
  expect(point.bucketCounts.map(Number).reduce((a, b) => a + b, 0)).toBe(4);
  expect(point.bucketCounts.at(-1)).toBe("1");
  expect(point.count).toBe("4");
});

test("events become OTLP log records with their kind, job and policy; errors at ERROR severity", () => {
  const body = logsRequest([
    { id: 7, at: 1_800_000_000_123, jobId: "job-a", pid: 10, kind: "kill", policy: "max-runtime", action: "kill", message: "killed", data: null },
    { id: 8, at: 1_800_000_000_124, jobId: undefined, pid: undefined, kind: "tick-error", policy: undefined, action: undefined, message: "tick failed", data: null },
  ], 1_800_000_001_000, "0.0.0");
  const records = body.resourceLogs[0]!.scopeLogs[0]!.logRecords;
  expect(records[0]).toMatchObject({ timeUnixNano: "1800000000123000000", severityText: "INFO", body: { stringValue: "killed" } });
  expect(records[0]!.attributes).toEqual(expect.arrayContaining([{ key: "event.kind", value: { stringValue: "kill" } }, { key: "job_id", value: { stringValue: "job-a" } }]));
  expect(records[1]).toMatchObject({ severityText: "ERROR", severityNumber: 17 });
});

test("promtool check metrics accepts the exposition, hostile job names and all", () => {
  const r = makeRegistry();
  r.firing(HOSTILE, "notify", false);
  r.tick({ at: 1_800_000_000_000, durationMs: 3, subjects: () => [subject("job-a"), untracked(3)], jobs: new Map([["running", 1]]) });
  const checked = spawnSync("promtool", ["check", "metrics"], { input: exposition(r.snapshot()), encoding: "utf8" });
  expect(checked.error, "promtool is missing: .ci/run installs Debian's prometheus package").toBeUndefined();
  expect(`${checked.stdout}${checked.stderr}`.trim()).toBe("");
  expect(checked.status).toBe(0);
});

test("a failed tick is counted and leaves the last good tick's gauges, its time too, as they were", () => {
  const r = makeRegistry();
  r.tick({ at: 5000, durationMs: 1, subjects: () => [subject("job-a")], jobs: new Map([["running", 1]]) });
  r.tickFailed();
  const text = exposition(r.snapshot());
  expect(lines(text, "codex_supervisor_tick_failures_total")).toEqual(["codex_supervisor_tick_failures_total 1"]);
  expect(lines(text, "codex_supervisor_last_tick_timestamp_seconds")).toEqual(["codex_supervisor_last_tick_timestamp_seconds 5"]);
  expect(lines(text, "codex_supervisor_job_memory_bytes")).toHaveLength(1);
});
