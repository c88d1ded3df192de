import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { commandOf, createSandbox, fullPassOnly, isAlive, type Sandbox, waitFor } from "./support/harness.ts";
import { pidsWithVariable } from "./support/procs.ts";

interface JobJson { jobId: string; pid: number; status: string; pids: number[] }
interface EventJson { kind: string; jobId: string | null; pid: number | null; policy: string | null; action: string | null; message: string; data: unknown }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
let sb: Sandbox;
let hooks: Array<Record<string, unknown>> = [];
let hookServer: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  sb = createSandbox();
  hookServer = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    async fetch(req) { hooks.push(await req.json() as Record<string, unknown>); return new Response("ok"); },
  });
});
afterAll(async () => { await hookServer.stop(true); await sb.cleanup(); });

const webhook = () => `http://127.0.0.1:${hookServer.port}/hook`;
const start = async (prompt: string, cwd: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};
const events = async (jobId?: string) =>
  (await sb.cli(["events", "--json", "--limit", "1000", ...(jobId ? ["--job", jobId] : [])])).stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as EventJson);
const status = async (id: string) => (await sb.cli(["status", id, "--json"])).json<JobJson>();
const global = (policies: unknown[], extra: Record<string, unknown> = {}) => sb.writeGlobalConfig({
  codex: { args: EXEC_ARGS },
  watchdog: { interval: "300ms" },
  plugins: [["notify", { webhook: webhook() }]],
  policies,
  ...extra,
});
/** What a user does before a project's config applies (see test/real/trust.test.ts). */
const trust = async (dir: string) => {
  const r = await sb.cli(["trust", dir]);
  expect(r.code, r.stderr).toBe(0);
};
/** A running `watch --trace`: its process, what it has said, and how many ticks it has finished. */
interface Watching {
  readonly watch: Bun.Subprocess;
  readonly log: () => string;
  /** Waits until it has finished `n` more ticks than now: a positive sign that it looked again. */
  readonly moreTicks: (n: number) => Promise<void>;
}
const traced = (): Watching => {
  const watch = sb.spawnWatch(["--cwd", sb.root, "--trace"]);
  let log = "";
  void (async () => { for await (const chunk of watch.stderr as ReadableStream<Uint8Array>) log += new TextDecoder().decode(chunk); })();
  const ticks = () => Math.max(0, ...Array.from(log.matchAll(/^tick (\d+) /gm), (m) => Number(m[1])));
  const moreTicks = async (n: number) => {
    const from = ticks();
    await waitFor(`${n} more ticks of watch (${from} so far)`, () => ticks() >= from + n || undefined);
  };
  return { watch, log: () => log, moreTicks };
};
const withWatch = async <T>(body: (w: Watching) => Promise<T>): Promise<T> => {
  const w = traced();
  try { return await body(w); } finally { w.watch.kill("SIGKILL"); await w.watch.exited; }
};

describe("watch", () => {
  test("a max-runtime policy kills a long job's whole tree and the webhook names the job and policy", async () => {
    global([{ name: "max-runtime", when: { runtimeOver: "2s" }, do: ["notify", "kill"] }]);
    hooks = [];
    const job = await start("RUN: sleep 300\nHOLD: 300", sb.project("maxrt"));
    await withWatch(async () => {
      const killed = await waitFor("the job killed", async () => (await status(job.jobId)).status === "killed" || undefined);
      expect(killed).toBe(true);
      // The kill records the job as killed before the watchdog records its action and the firing:
      // stopping the watchdog (SIGKILL) at once could cut those two events off.
      await waitFor("the firing recorded", async () => (await events(job.jobId)).some((e) => e.kind === "fired" && e.policy === "max-runtime") || undefined);
    });
    expect(isAlive(job.pid)).toBe(false);
    // the job's processes, by its marker: the sandbox's CODEX_HOME is also on the `lsof` a SIGKILLed
    // portable watch had running, which finishes by itself a moment later
    expect(pidsWithVariable("CODEX_SUPERVISOR_JOB_ID", job.jobId)).toEqual([]);
    const hook = hooks.find((h) => h.jobId === job.jobId);
    expect(hook).toMatchObject({ jobId: job.jobId, policy: "max-runtime", action: "notify", pid: job.pid });
    expect(String(hook!.message)).toContain("max-runtime");
    const kinds = (await events(job.jobId)).map((e) => `${e.kind}:${e.action ?? ""}`);
    expect(kinds).toEqual(expect.arrayContaining(["decision:", "action:notify", "action:kill", "fired:"]));
  });

  test("an orphan policy fires for a Codex whose launcher was SIGKILLed, not for a healthy one", async () => {
    global([{ name: "orphans", match: { tracked: false }, when: { orphaned: true }, do: ["notify"] }]);
    hooks = [];
    // Both wait on a stalled model: a `RUN: sleep 60` was handed back to the model after exec_command's
    // yield time and the exec then ended, which under CI load came before the watchdog's first look.
    // each known by its whole path: the watchdog sees every Codex on the machine, and this file runs
    // twice at once (the portable pass), each leaving a "healthy" orphan when its test ends
    const healthyDir = sb.project("healthy");
    const doomedDir = sb.project("doomed");
    const healthy = sb.spawnCodex("STALL: 60", healthyDir);
    const doomed = sb.spawnCodex("STALL: 60", doomedDir);
    try {
      // each by its own launcher's PID: the list is the whole machine's, and other test files run Codex
      // too. Counting any two launcher-and-native pairs once let the doomed launcher be SIGKILLed before
      // it had started its native, so no orphan ever existed.
      await waitFor("both natives", async () => {
        const list = (await sb.cli(["list", "--json"])).json<{ untracked: Array<{ pids: number[] }> }>();
        const started = (launcher: number) => list.untracked.some((u) => u.pids[0] === launcher && u.pids.length === 2);
        return (started(healthy.pid) && started(doomed.pid)) || undefined;
      });
      doomed.kill("SIGKILL");
      await withWatch(async ({ watch, log, moreTicks }) => {
        await waitFor("the orphan webhook", () => hooks.find((h) => h.cwd === doomedDir)).catch(async (e: Error) => {
          // once failed in a full CI run and never alone: say what the watchdog saw
          const seen = (await sb.cli(["list", "--json"])).stdout;
          const recorded = (await events()).map((ev) => `${ev.kind}:${ev.policy ?? ""}:${ev.message ?? ""}`.slice(0, 200));
          const exited = watch.exitCode === null ? "running" : `exited ${watch.exitCode}: ${log()}`;
          throw new Error(`${e.message}\nwatch: ${exited}\nlist: ${seen}\nevents: ${recorded.join("\n")}\nhooks: ${JSON.stringify(hooks)}`);
        });
        await moreTicks(3); // it looked at both again, three times: the healthy one must still not fire
      });
      expect(hooks.filter((h) => h.cwd === healthyDir)).toEqual([]);
      expect(hooks.find((h) => h.cwd === doomedDir)).toMatchObject({ policy: "orphans", tracked: false });
    } finally {
      // the launchers and their natives (a native outlives a SIGKILLed launcher: an orphan for every watchdog to see)
      for (const pid of sb.livePids()) if (/ STALL: 60$/.test(commandOf(pid).trim())) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
      healthy.kill("SIGKILL");
    }
  });

  fullPassOnly("an idle policy fires for a job whose history has stopped growing", async () => {
    global([{ name: "stuck", when: { idleFor: "2s" }, do: ["notify"] }]);
    hooks = [];
    const job = await start("STALL: 30\nRUN: echo never", sb.project("stuck"));
    await withWatch(async () => {
      await waitFor("the stuck webhook", () => hooks.find((h) => h.jobId === job.jobId));
    });
    expect(hooks.find((h) => h.jobId === job.jobId)).toMatchObject({ policy: "stuck" });
    expect((await status(job.jobId)).status).toBe("running"); // notify only: the job is left alone
    await sb.cli(["kill", job.jobId, "--grace", "200ms"]);
  });

  fullPassOnly("a plugin whose action throws: the error is an event, the other actions still run, the loop goes on", async () => {
    const dir = sb.project("throwing");
    writeFileSync(join(dir, "boom-plugin.ts"), [
      `export default { name: "boom", actions: { explode: () => { throw new Error("kaboom from the plugin"); } } };`,
    ].join("\n"));
    writeFileSync(join(dir, "codex-supervisor.config.ts"), [
      `export default {`,
      `  plugins: ["./boom-plugin.ts"],`,
      `  policies: [{ name: "boom-then-notify", when: { runtimeOver: "1s" }, do: ["explode", "notify"] }],`,
      `};`,
    ].join("\n"));
    await trust(dir);
    global([]);
    hooks = [];
    const job = await start("RUN: sleep 60\nHOLD: 300", dir);
    await withWatch(async ({ watch }) => {
      await waitFor("the notify after the throw", () => hooks.find((h) => h.jobId === job.jobId));
      const errors = await waitFor("the plugin error event", async () => {
        const found = (await events(job.jobId)).filter((e) => e.kind === "error" && e.message.includes("kaboom from the plugin"));
        return found.length >= 2 ? found : undefined; // not done, so it is tried again: the loop went on
      });
      expect(errors[0]!.message).toContain("boom");
      expect(watch.exitCode).toBeNull();
    });
    await sb.cli(["kill", job.jobId, "--grace", "200ms"]);
  });

  fullPassOnly("watch SIGKILLed and restarted still enforces the max runtime of a job started before", async () => {
    // the first watchdog's limit is far off, so that however slow its start, it only looks; the second's is 4 s
    global([{ name: "max-runtime", when: { runtimeOver: "1h" }, do: ["kill"] }]);
    const job = await start("RUN: sleep 300\nHOLD: 300", sb.project("restart"));
    const first = traced();
    await first.moreTicks(1); // it has looked at the job once
    first.watch.kill("SIGKILL");
    await first.watch.exited;
    expect((await status(job.jobId)).status).toBe("running");
    global([{ name: "max-runtime", when: { runtimeOver: "4s" }, do: ["kill"] }]);
    await withWatch(async () => {
      await waitFor("the job killed by the second watchdog", async () => (await status(job.jobId)).status === "killed" || undefined);
    });
    const decision = (await events(job.jobId)).find((e) => e.kind === "decision");
    expect(decision?.message).toMatch(/max-runtime: job .* ran \d+s/);
  });

  test("a per-project policy file applies to jobs in that project only", async () => {
    global([]);
    const strict = sb.project("strict");
    const relaxed = sb.project("relaxed");
    writeFileSync(join(strict, ".codex-supervisorrc.json"), JSON.stringify({ policies: [{ name: "strict-runtime", when: { runtimeOver: "1s" }, do: ["kill"] }] }));
    await trust(strict);
    // stalled models: a long RUN can be handed back to the model and end before the watchdog looks
    const a = await start("STALL: 120", strict);
    const b = await start("STALL: 120", relaxed);
    await withWatch(async ({ moreTicks }) => {
      await waitFor("the strict job killed", async () => (await status(a.jobId)).status === "killed" || undefined);
      await moreTicks(3); // it looked at the relaxed job again, three times
    });
    expect((await status(b.jobId)).status).toBe("running");
    expect((await events(b.jobId)).filter((e) => e.kind === "decision")).toEqual([]);
    await sb.cli(["kill", b.jobId, "--grace", "200ms"]);
  });

  fullPassOnly("a config edited while watch runs stops applying until trusted again, then takes effect; a broken global edit keeps the last good config", { timeout: 180_000 }, async () => {
    const dir = sb.project("editing");
    const rc = join(dir, ".codex-supervisorrc.json");
    writeFileSync(rc, JSON.stringify({ policies: [{ name: "never", when: { runtimeOver: "1h" }, do: ["kill"] }] }));
    await trust(dir);
    global([]);
    const globalFile = join(sb.env.XDG_CONFIG_HOME!, "codex-supervisor", "config.json");
    // a stalled model keeps Codex running however long the steps below take (a long RUN can be handed back and end)
    const job = await start("STALL: 120", dir);
    const watch = sb.spawnWatch(["--cwd", sb.root, "--trace"]);
    let log = "";
    void (async () => { for await (const chunk of watch.stderr as ReadableStream<Uint8Array>) log += new TextDecoder().decode(chunk); })();
    try {
      await waitFor("a tick on the good configs", () => /^tick 1 /m.test(log) || undefined);
      writeFileSync(globalFile, "{ \"policies\": [ { \"name\": oops");
      // read past the broken global file, as it would stop `events` itself
      const noGlobal = { XDG_CONFIG_HOME: sb.project("no-global-config") };
      await waitFor("the config error event", async () =>
        (await sb.cli(["events", "--json", "--limit", "1000"], { env: noGlobal })).stdout.split("\n").filter(Boolean)
          .map((l) => JSON.parse(l) as EventJson).find((e) => e.kind === "config-error" && e.message.includes(globalFile)));
      expect((await sb.cli(["status", job.jobId, "--json"], { env: noGlobal })).json<JobJson>().status).toBe("running");
      global([]);
      writeFileSync(rc, JSON.stringify({ policies: [{ name: "soon", when: { runtimeOver: "1s" }, do: ["kill"] }] }));
      await waitFor("the edit reported as untrusted", async () =>
        (await events()).find((e) => e.kind === "config-untrusted" && e.message.includes(rc) && e.message.includes("edited since it was trusted")));
      expect((await status(job.jobId)).status).toBe("running");
      await trust(dir);
      await waitFor("the edited policy applied", async () => (await status(job.jobId)).status === "killed" || undefined);
    } finally {
      watch.kill("SIGKILL");
      await watch.exited;
    }
    const decision = (await events(job.jobId)).find((e) => e.kind === "decision");
    expect(decision?.policy).toBe("soon");
  });

  fullPassOnly("a job looping on the same ModuleNotFoundError trips pythonMismatch", async () => {
    global([{ name: "python-env", when: { pythonMismatch: true }, do: ["notify"] }]);
    hooks = [];
    const run = `RUN: python3 -c "import no_such_mod_xyz"`;
    const job = await start([run, run, run, "RUN: sleep 30", "HOLD: 300"].join("\n"), sb.project("pyloop"));
    await withWatch(async () => {
      await waitFor("the python-env webhook", () => hooks.find((h) => h.jobId === job.jobId));
    });
    expect(String(hooks.find((h) => h.jobId === job.jobId)!.message)).toContain("keeps failing on ModuleNotFoundError: no_such_mod_xyz");
    await sb.cli(["kill", job.jobId, "--grace", "200ms"]);
  });

  fullPassOnly("SIGTERM stops watch promptly (well within 10 s) and leaves the jobs running", async () => {
    global([{ name: "max-runtime", when: { runtimeOver: "1h" }, do: ["kill"] }]);
    const job = await start("RUN: sleep 60\nHOLD: 300", sb.project("survivor"));
    const { watch, log, moreTicks } = traced();
    // SIGTERM before the handler is installed would be the default action, not ours: wait for it to say
    // it runs, and to have ticked (the handler then has a loop to stop)
    await waitFor("the watchdog running", () => log().includes("watchdog running") || undefined);
    await moreTicks(1);
    const sent = performance.now();
    watch.kill("SIGTERM");
    const code = await watch.exited;
    const tookMs = performance.now() - sent;
    console.info(`watch stopped ${Math.round(tookMs)} ms after SIGTERM`);
    // the interval is 300 ms and nothing is in flight: a stop that waits for anything shows as seconds
    expect(tookMs).toBeLessThan(10_000);
    expect(code).toBe(0);
    await waitFor("its last words", () => log().includes("watchdog stopped") || undefined);
    expect(isAlive(job.pid)).toBe(true);
    expect((await status(job.jobId)).status).toBe("running");
    await sb.cli(["kill", job.jobId, "--grace", "200ms"]);
  });

  fullPassOnly("schedules run on their cron: prune drops ended jobs, report goes out through notify", async () => {
    hooks = [];
    const job = await start("RUN: echo short", sb.project("prunable"));
    await waitFor("the job ended", async () => (await status(job.jobId)).status === "completed" || undefined);
    global([], { schedules: [{ cron: "* * * * * *", do: "prune", olderThan: "1s" }, { cron: "* * * * * *", do: "report" }] });
    await withWatch(async () => {
      await waitFor("the job pruned", async () => (await sb.cli(["status", job.jobId])).code === 3 || undefined);
      await waitFor("a report webhook", () => hooks.find((h) => h.action === "report"));
    });
    expect(String(hooks.find((h) => h.action === "report")!.message)).toMatch(/codex-supervisor report: \d+ job\(s\) in the last 24h/);
    expect((await events()).some((e) => e.kind === "schedule" && /pruned [1-9]\d* ended job/.test(e.message))).toBe(true);
  });
});

