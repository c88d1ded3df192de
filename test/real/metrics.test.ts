import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, type Sandbox, waitFor } from "./support/harness.ts";

interface JobJson { jobId: string; pid: number; status: string }
interface Sample { metric: Record<string, string>; value: [number, string] }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
const RULES = resolve(import.meta.dirname, "../../docs/fleet/codex-supervisor.rules.yml");
// a name as hostile as a label value gets: quotes, backslashes, a newline, an escape sequence
const HOSTILE = `metrics "job" \\ \u001b[31mred\u001b[0m\nline2`;
let sb: Sandbox;
beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

/** A port free on loopback now (the kernel's pick, released at once). */
const freePort = () => {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  void probe.stop(true);
  return port;
};

const start = async (prompt: string, cwd: string, extra: string[] = []) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, ...extra, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};
const kill = async (id: string) => {
  const r = await sb.cli(["kill", id, "--json"]);
  expect(r.code, r.stderr).toBe(0);
};

/** Runs `body` with these processes, and ends every one of them however it ends. */
const owning = async <T>(procs: Bun.Subprocess[], body: () => Promise<T>): Promise<T> => {
  try { return await body(); } finally {
    for (const p of procs) p.kill("SIGTERM");
    await Promise.race([Promise.all(procs.map((p) => p.exited)), Bun.sleep(5000)]);
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
  }
};

const scrape = async (port: number) => {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    return r.ok ? await r.text() : undefined;
  } catch { return undefined; }
};

describe("metrics", () => {
  test("a real Prometheus scraping watch sees one running Codex job; promtool accepts the exposition; an ended job drops out", async () => {
    const metricsPort = freePort();
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, watchdog: { interval: "300ms" }, metrics: { listen: `127.0.0.1:${metricsPort}` } });
    const job = await start("RUN: sleep 300\nHOLD: 300", sb.project("scraped"), ["--name", HOSTILE]);
    const watch = sb.spawnWatch(["--cwd", sb.root]);
    const promDir = sb.project("prometheus");
    const promPort = freePort();
    writeFileSync(join(promDir, "prometheus.yml"), JSON.stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: [RULES],
      scrape_configs: [{ job_name: "codex-supervisor", static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] }],
    }));
    mkdirSync(join(promDir, "data"));
    const prometheus = Bun.spawn(["prometheus", `--config.file=${join(promDir, "prometheus.yml")}`, `--storage.tsdb.path=${join(promDir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`, "--log.level=warn"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    await owning([watch, prometheus], async () => {
      const api = `http://127.0.0.1:${promPort}/api/v1`;
      const query = async (promql: string) => {
        try {
          const r = await fetch(`${api}/query?query=${encodeURIComponent(promql)}`);
          return r.ok ? ((await r.json()) as { data: { result: Sample[] } }).data.result : undefined;
        } catch { return undefined; }
      };
      const running = await waitFor("Prometheus to have scraped one running job", async () => {
        const result = await query('codex_supervisor_jobs{status="running"}');
        return result?.[0]?.value[1] === "1" ? result : undefined;
      }, 45_000);
      expect(running[0]!.metric).toMatchObject({ job: "codex-supervisor", instance: `127.0.0.1:${metricsPort}`, status: "running" });
      // the job's own series, its hostile name intact through the exposition and Prometheus
      const memory = await waitFor("the job's memory in Prometheus", async () => (await query(`codex_supervisor_job_memory_bytes{job_id="${job.jobId}"}`))?.[0]);
      expect(memory.metric.name).toBe(HOSTILE);
      expect(Number(memory.value[1])).toBeGreaterThan(1024 * 1024);
      const rules = await (await fetch(`${api}/rules`)).json() as { data: { groups: Array<{ rules: unknown[] }> } };
      expect(rules.data.groups[0]!.rules).toHaveLength(5);

      const text = (await scrape(metricsPort))!;
      const checked = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(`${checked.stdout}${checked.stderr}`.trim()).toBe("");
      expect(checked.status).toBe(0);

      await kill(job.jobId);
      const after = await waitFor("the killed job gone from /metrics", async () => {
        const now = await scrape(metricsPort);
        return now?.includes('codex_supervisor_jobs{status="killed"} 1') ? now : undefined;
      }, 60_000);
      expect(after).not.toContain(job.jobId);
      expect(after).toContain('codex_supervisor_jobs{status="running"} 0');
    });
  });

  test("watch writes the same exposition for node_exporter's textfile collector: whole, readable, promtool-clean, never through a planted link; a folder it cannot write is said once, then it recovers", async () => {
    const dir = join(sb.project("textfile"), "node-exporter"); // not there yet
    const file = join(dir, "codex-supervisor.prom");
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, watchdog: { interval: "300ms" }, metrics: { textfile: file, textfileInterval: "1s" } });
    const job = await start("RUN: sleep 300\nHOLD: 300", sb.project("written"));
    const watch = sb.spawnWatch(["--cwd", sb.root, "--trace"]);
    let stderr = "";
    void (async () => { for await (const chunk of watch.stderr as ReadableStream<Uint8Array>) stderr += new TextDecoder().decode(chunk); })();
    const ticks = () => Math.max(0, ...Array.from(stderr.matchAll(/^tick (\d+) /gm), (m) => Number(m[1])));
    await owning([watch], async () => {
      await waitFor("watch to say it cannot write the file", () => stderr.includes(`cannot write metrics to ${file}`) || undefined, 30_000);
      // ten more ticks of 300 ms: two or more writes tried again, and none said again
      const from = ticks();
      await waitFor("ten more ticks", () => ticks() >= from + 10 || undefined, 30_000);
      expect(stderr.split(`cannot write metrics to ${file}`)).toHaveLength(2);
      mkdirSync(dir);
      // a link planted where the watchdog writes before renaming (a folder others could write) is never followed
      const victim = join(sb.project("textfile"), "precious");
      writeFileSync(victim, "precious\n");
      symlinkSync(victim, `${file}.${watch.pid}.tmp`);
      const text = await waitFor("the textfile with one running job", () => {
        const now = existsSync(file) ? readFileSync(file, "utf8") : "";
        return now.includes('codex_supervisor_jobs{status="running"} 1') && now.includes(job.jobId) ? now : undefined;
      }, 30_000);
      // said once the file is in place: its line may still be on its way
      await waitFor("watch to say it writes again", () => stderr.includes(`writing metrics to ${file} again`) || undefined);
      expect(statSync(file).mode & 0o777).toBe(0o644);
      // no temporary file left beside it (between two writes: one may be under way at any moment)
      await waitFor("the folder with the file alone", () => readdirSync(dir).join() === "codex-supervisor.prom" || undefined);
      expect(readFileSync(victim, "utf8")).toBe("precious\n");
      const checked = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(`${checked.stdout}${checked.stderr}`.trim()).toBe("");
      expect(checked.status).toBe(0);

      await kill(job.jobId);
      // the sandbox's database holds the jobs of this file's earlier tests (killed too): this one is the only running one
      const after = await waitFor("the killed job gone from the textfile", () => {
        const now = readFileSync(file, "utf8");
        return now.includes('codex_supervisor_jobs{status="running"} 0') && !now.includes(job.jobId) ? now : undefined;
      }, 30_000);
      expect(after).toMatch(/codex_supervisor_jobs\{status="killed"\} [1-9]/);
    });
  });

  test("watch pushes the same metrics, and the events as logs, to an OTLP/HTTP collector", async () => {
    const received: Array<{ path: string; body: Record<string, unknown> }> = [];
    const collector = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      async fetch(req) {
        received.push({ path: new URL(req.url).pathname, body: await req.json() as Record<string, unknown> });
        return Response.json({});
      },
    });
    try {
      sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, watchdog: { interval: "300ms" }, metrics: { otlp: `http://127.0.0.1:${collector.port}`, otlpInterval: "1s" } });
      const job = await start("RUN: sleep 300\nHOLD: 300", sb.project("pushed"));
      const watch = sb.spawnWatch(["--cwd", sb.root]);
      await owning([watch], async () => {
        type Point = { attributes: Array<{ key: string; value: { stringValue?: string } }>; asDouble: number };
        type Metrics = { resourceMetrics: Array<{ resource: { attributes: Array<{ key: string }> }; scopeMetrics: Array<{ metrics: Array<{ name: string; gauge?: { dataPoints: Point[] } }> }> }> };
        const runningOf = (body: Metrics) => body.resourceMetrics[0]?.scopeMetrics[0]?.metrics.find((m) => m.name === "codex_supervisor_jobs")
          ?.gauge?.dataPoints.find((p) => p.attributes.some((a) => a.key === "status" && a.value.stringValue === "running"))?.asDouble;
        const pushed = await waitFor("a metrics push with one running job", () =>
          received.find((r) => r.path === "/v1/metrics" && runningOf(r.body as unknown as Metrics) === 1), 30_000);
        expect((pushed.body as unknown as Metrics).resourceMetrics[0]!.resource.attributes.map((a) => a.key)).toEqual(expect.arrayContaining(["service.name", "host.name"]));
        const names = (pushed.body as unknown as Metrics).resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => m.name);
        expect(names).toEqual(expect.arrayContaining(["codex_supervisor_job_cpu_seconds", "codex_supervisor_tick_duration_seconds", "codex_supervisor_kills_refused_total"]));

        await kill(job.jobId);
        type Logs = { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: Array<{ body: { stringValue: string }; attributes: Array<{ key: string; value: { stringValue?: string } }> }> }> }> };
        const attr = (r: Logs["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0], key: string) => r.attributes.find((a) => a.key === key)?.value.stringValue;
        const record = await waitFor("the kill as an OTLP log record", () => received.filter((r) => r.path === "/v1/logs")
          .flatMap((r) => (r.body as unknown as Logs).resourceLogs[0]!.scopeLogs[0]!.logRecords)
          .find((r) => attr(r, "event.kind") === "kill" && attr(r, "job_id") === job.jobId), 30_000);
        expect(record.body.stringValue.length).toBeGreaterThan(0);
      });
    } finally {
      await collector.stop(true);
    }
  });
});
