import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, test } from "vitest";
import type { Job } from "../../src/core/job.ts";
import type { Subject } from "../../src/core/subject.ts";
import { exposition } from "../../src/watchdog/metrics/exposition.ts";
import { makeRegistry } from "../../src/watchdog/metrics/registry.ts";

// The fleet recipe's files (docs/fleet.md): the alert rules Prometheus loads and the Grafana dashboard.
const FLEET = resolve(import.meta.dirname, "../../docs/fleet");
const RULES = join(FLEET, "codex-supervisor.rules.yml");
const dir = mkdtempSync(join(tmpdir(), "cs-fleet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const promtool = (args: string[]) => {
  const run = spawnSync("promtool", args, { encoding: "utf8" });
  expect(run.error, "promtool is missing: .ci/run installs Debian's prometheus package").toBeUndefined();
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
};

test("promtool check rules accepts the shipped alert rules", () => {
  const checked = promtool(["check", "rules", RULES]);
  expect(checked.output).toContain("SUCCESS: 5 rules found");
  expect(checked.code).toBe(0);
});

const series = (name: string, values: string, extra: Record<string, string> = {}) => ({
  series: `${name}{${Object.entries({ instance: "laptop:9464", job: "codex-supervisor", ...extra }).map(([k, v]) => `${k}="${v}"`).join(",")}}`,
  values,
});
const at = (labels: Record<string, string>, summary: string, description: string) =>
  ({ exp_labels: { instance: "laptop:9464", job: "codex-supervisor", ...labels }, exp_annotations: { summary, description } });

test("each alert fires when its case happens, and not before (promtool test rules)", () => {
  const job = { job_id: "5a1e7c3d", name: "refactor", cwd: "/home/u/proj" };
  // A test file as promtool reads it (YAML, here its JSON subset); series values are one a minute.
  const spec = {
    rule_files: [RULES],
    evaluation_interval: "1m",
    tests: [{
      interval: "1m",
      input_series: [
        // ticks every minute until 3m, then stops ticking while still answering scrapes
        series("codex_supervisor_last_tick_timestamp_seconds", "0+60x3 180x20"),
        // a job started at 0: over 2 h at 121m
        series("codex_supervisor_job_start_time_seconds", "0x130", job),
        series("codex_supervisor_kills_refused_total", "0 0 0 1 1 1"),
        series("codex_supervisor_notify_failures_total", "0x5 2"),
        series("up", "1x3 0x10", { instance: "devbox:9464" }),
      ],
      alert_rule_test: [
        { eval_time: "3m", alertname: "CodexSupervisorWatchdogStuck", exp_alerts: [] },
        { eval_time: "10m", alertname: "CodexSupervisorWatchdogStuck", exp_alerts: [at({ severity: "critical" }, "codex-supervisor's watchdog on laptop:9464 last ticked 7m 0s ago", "No policy is enforced while it is stuck. Look at `codex-supervisor watch --trace` or the service's log.")] },
        { eval_time: "119m", alertname: "CodexJobOverRuntime", exp_alerts: [] },
        { eval_time: "125m", alertname: "CodexJobOverRuntime", exp_alerts: [at({ severity: "warning", ...job }, "Codex job refactor (5a1e7c3d) on laptop:9464 has run for 2h 5m 0s", "In /home/u/proj. See `codex-supervisor status 5a1e7c3d`.")] },
        { eval_time: "2m", alertname: "CodexSupervisorKillRefused", exp_alerts: [] },
        { eval_time: "4m", alertname: "CodexSupervisorKillRefused", exp_alerts: [at({ severity: "warning" }, "codex-supervisor on laptop:9464 refused 1 kill(s) in 15 minutes", "See `codex-supervisor events` for which job and why.")] },
        { eval_time: "4m", alertname: "CodexSupervisorNotifyFailing", exp_alerts: [] },
        { eval_time: "6m", alertname: "CodexSupervisorNotifyFailing", exp_alerts: [at({ severity: "warning" }, "codex-supervisor on laptop:9464 failed to notify 2 time(s) in 15 minutes", "See `codex-supervisor events` for the channel's error.")] },
        { eval_time: "4m", alertname: "CodexSupervisorWatchdogDown", exp_alerts: [] },
        { eval_time: "8m", alertname: "CodexSupervisorWatchdogDown", exp_alerts: [{ exp_labels: { instance: "devbox:9464", job: "codex-supervisor", severity: "critical" }, exp_annotations: { summary: "codex-supervisor's watchdog on devbox:9464 is not running", description: "Start it with `codex-supervisor service install`, or run `codex-supervisor watch`." } }] },
      ],
    }],
  };
  const file = join(dir, "alerts.test.yml");
  writeFileSync(file, JSON.stringify(spec, null, 2));
  const tested = promtool(["test", "rules", file]);
  expect(tested.output).toContain("SUCCESS");
  expect(tested.code).toBe(0);
});

test("the Grafana dashboard is JSON whose every query names metrics the watchdog serves", () => {
  const dashboard = JSON.parse(readFileSync(join(FLEET, "grafana-dashboard.json"), "utf8")) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
  const r = makeRegistry();
  const subject = { key: "j", tracked: true, job: { id: "j", status: "running" } as Job, name: "n", cwd: "/", kind: "exec", pid: 1, pids: [1], threadId: undefined, startedAt: 0, rss: 1, cpu: 0, cpuTimeMs: 1, orphaned: false, lastActivityAt: undefined, tokens: 1, python: { foreignInterpreters: [], repeatedMissingModules: [] } } satisfies Subject;
  r.firing("p", "kill", true);
  r.tick({ at: 0, durationMs: 1, subjects: () => [subject], jobs: undefined });
  const served = new Set([...exposition(r.snapshot()).matchAll(/^(codex_supervisor_\w+)[{ ]/gm)].map((m) => m[1]));
  const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/codex_supervisor_\w+/g)].map((m) => m[0])));
  expect(dashboard.panels.map((p) => p.title)).toEqual(expect.arrayContaining(["Running jobs per host", "CPU per job", "Memory per job", "Policy firings"]));
  expect(used.length).toBeGreaterThan(8);
  expect(used.filter((name) => !served.has(name))).toEqual([]);
});
