/**
 * The watchdog and its database (issue 22, points 7-10): it keeps acting while the database
 * cannot be written, reopens a database file replaced under it, acts alone on a database
 * (a second one stands by), and waits for a kill longer than the plugin timeout instead of
 * starting it again.
 */
import { Database } from "bun:sqlite";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeFakeCodex } from "../adversarial/support/fakeCodex.ts";
import { createSandbox, isAlive, type Sandbox, waitFor } from "./support/harness.ts";

interface JobJson { jobId: string; pid: number; nativePid: number | null; status: string; pids: number[] }
interface EventJson { kind: string; jobId: string | null; policy: string | null; action: string | null; message: string; at: string }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
// A real Codex whose model holds its last reply runs until it is killed, however loaded the machine, with its
// tool's processes alive (a `RUN: sleep` alone is handed back to the model when exec_command yields, after
// 10 s, and the job then ends on its own): launcher, native Codex, the tool's shell and its two sleeps.
const LONG_JOB = "RUN: sleep 300 & sleep 300\nHOLD: 300";
let sb: Sandbox;
beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

const startJob = async (prompt: string, cwd: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};
const status = async (id: string) => (await sb.cli(["status", id, "--json"])).json<JobJson>();
const runningTree = (id: string) =>
  waitFor("the job's tree up", async () => {
    const s = await status(id);
    return s.nativePid !== null && s.pids.length >= 4 ? s : undefined;
  });
const events = async (jobId: string) =>
  (await sb.cli(["events", "--json", "--limit", "1000", "--job", jobId])).stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as EventJson);
const config = (policies: unknown[], watchdog: Record<string, unknown> = {}) =>
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, watchdog: { interval: "300ms", ...watchdog }, policies });

/** A `watch` whose stderr is collected as it comes. */
const watchdog = (args: ReadonlyArray<string> = []) => {
  const proc = sb.spawnWatch(["--cwd", sb.root, ...args]);
  let said = "";
  void (async () => { for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) said += new TextDecoder().decode(chunk); })();
  return {
    proc,
    said: () => said,
    until: (text: string | RegExp, timeoutMs = 30_000) =>
      waitFor(`watch pid ${proc.pid} to say ${text}`, () => (typeof text === "string" ? said.includes(text) : text.test(said)) || undefined, timeoutMs),
    ticks: () => [...said.matchAll(/^tick (\d+) /gm)].length,
    stop: async () => { proc.kill("SIGKILL"); await proc.exited; },
  };
};
const count = (text: string, part: string) => text.split(part).length - 1;
/** Every live process carrying the job's marker, wherever it was reparented. */
const pidsOfJob = (jobId: string) => sb.livePids().filter((pid) => {
  try { return readFileSync(`/proc/${pid}/environ`, "utf8").includes(`CODEX_SUPERVISOR_JOB_ID=${jobId}`); } catch { return false; }
});

// each case starts real Codex and waits on a watchdog's ticks and kills: on a loaded machine that is more than a minute
describe("watch and its database", { timeout: 150_000 }, () => {
  test("a watch whose database is locked says so once, keeps killing, and writes what it did once it can", async () => {
    config([{ name: "max-runtime", when: { runtimeOver: "3s" }, do: [["kill", { grace: "300ms" }]] }]);
    const job = await startJob(LONG_JOB, sb.project("locked-watch"));
    const tree = await runningTree(job.jobId);
    const lock = new Database(sb.dbPath);
    lock.run("BEGIN IMMEDIATE");
    const watch = watchdog(["--trace"]);
    try {
      await watch.until("cannot be written (database is locked)", 60_000);
      await waitFor("the tree killed under the lock", () => tree.pids.every((pid) => !isAlive(pid)) || undefined, 60_000);
      const ticksThen = watch.ticks();
      await waitFor("three more ticks", () => watch.ticks() >= ticksThen + 3 || undefined);
      expect(count(watch.said(), "cannot be written")).toBe(1); // said when it changed, not every tick
      lock.run("ROLLBACK");
      await watch.until("database can be written again", 30_000);
      // what it did while the database was locked is in the database now
      const seen = await waitFor("the kept events written", async () => {
        const all = await events(job.jobId);
        return all.some((e) => e.kind === "fired" && e.policy === "max-runtime") ? all : undefined;
      });
      expect(seen.filter((e) => e.kind === "decision" && e.policy === "max-runtime")).toHaveLength(1);
      expect(seen.find((e) => e.kind === "action" && e.action === "kill")?.message).toMatch(/kill: killed/);
    } finally {
      if (lock.inTransaction) lock.run("ROLLBACK");
      lock.close();
      await watch.stop();
    }
  });

  test("a watch notices its database removed and made anew, reopens it and polices the jobs in it", async () => {
    // longer than `start` takes on a loaded machine: the watch runs while the job starts
    config([{ name: "max-runtime", when: { runtimeOver: "15s" }, do: [["kill", { grace: "300ms" }]] }]);
    const watch = watchdog();
    try {
      await watch.until("watchdog running");
      expect((await sb.cli(["list"])).code).toBe(0); // the database the watch has open exists and is used
      rmSync(dirname(sb.dbPath), { recursive: true, force: true });
      const job = await startJob(LONG_JOB, sb.project("replaced"));
      await waitFor("the job in the new database killed", async () => (await status(job.jobId)).status === "killed" || undefined, 45_000);
      expect(watch.said()).toContain("was removed or replaced: reopened it");
      expect(isAlive(job.pid)).toBe(false);
    } finally {
      await watch.stop();
    }
  });

  test("two watches on one database: one acts, the other stands by naming it and takes over when it is killed", async () => {
    config([{ name: "max-runtime", when: { runtimeOver: "15s" }, do: [["kill", { grace: "300ms" }]] }]);
    const first = watchdog(["--trace"]);
    let second: ReturnType<typeof watchdog> | undefined;
    try {
      await first.until("tick 1 "); // the first holds the lease before the second is started
      second = watchdog(["--trace"]);
      await second.until(`another watchdog (pid ${first.proc.pid}) acts on`);
      const once = await sb.cli(["watch", "--once", "--cwd", sb.root]);
      expect(once.code).toBe(0); // the database is watched: what a `watch --once` from cron is for
      expect(once.stderr).toContain(`--once did nothing: watchdog pid ${first.proc.pid} acts on this database`);
      const a = await startJob(LONG_JOB, sb.project("two-a"));
      await waitFor("job a killed", async () => (await status(a.jobId)).status === "killed" || undefined, 45_000);
      await waitFor("job a's firing recorded", async () => (await events(a.jobId)).some((e) => e.kind === "fired") || undefined);
      expect(second.ticks()).toBe(0); // standing by: it has not looked at all
      await first.stop();
      await second.until(`watchdog pid ${first.proc.pid} has stopped: this one (pid ${second.proc.pid}) now acts`);
      const b = await startJob(LONG_JOB, sb.project("two-b"));
      await waitFor("job b killed by the second", async () => (await status(b.jobId)).status === "killed" || undefined, 45_000);
      await waitFor("job b's firing recorded", async () => (await events(b.jobId)).some((e) => e.kind === "fired") || undefined);
      for (const id of [a.jobId, b.jobId]) {
        const seen = await events(id);
        expect(seen.filter((e) => e.kind === "decision"), `decisions for ${id}`).toHaveLength(1);
        expect(seen.filter((e) => e.kind === "kill"), `kills of ${id}`).toHaveLength(1);
      }
    } finally {
      await first.stop();
      await second?.stop();
    }
  });

  test("a kill longer than the plugin timeout is waited for: never recorded as timed out, never run twice", async () => {
    // A stand-in Codex whose native process (and its sleep) ignores SIGTERM: the kill takes its whole 3 s grace,
    // three times the plugin timeout. (A real Codex ends its turn, and the job, when exec_command yields.)
    const fake = writeFakeCodex(sb.project("stubborn-codex"));
    writeFileSync(fake, readFileSync(fake, "utf8").replace(`-c 'exec 3>>`, `-c 'trap "" TERM; exec 3>>`));
    config([{ name: "max-runtime", when: { runtimeOver: "2s" }, do: [["kill", { grace: "3s" }]] }], { pluginTimeout: "1s" });
    const started = await sb.cli(["start", "--json", "--cwd", sb.project("slow-kill"), "-"], { stdin: "SLEEP 300", env: { CODEX_SUPERVISOR_CODEX: fake } });
    expect(started.code, started.stderr).toBe(0);
    const job = started.json<JobJson>();
    expect(job.nativePid).not.toBeNull();
    const watch = watchdog();
    try {
      await waitFor("the job killed", async () => (await status(job.jobId)).status === "killed" || undefined, 45_000).catch(async (e: Error) => {
        throw new Error(`${e.message}\nstatus: ${JSON.stringify(await status(job.jobId))}\nevents: ${(await events(job.jobId)).map((x) => `${x.kind}: ${x.message}`).join("\n")}\nwatch: ${watch.said()}`);
      });
      const seen = await waitFor("the firing recorded", async () => {
        const all = await events(job.jobId);
        return all.some((e) => e.kind === "fired") ? all : undefined;
      });
      const actions = seen.filter((e) => e.kind === "action" && e.action === "kill");
      expect(actions.map((e) => e.message)).toEqual([expect.stringMatching(/^kill: killed/)]);
      expect(seen.filter((e) => /timed out/.test(e.message))).toEqual([]);
      const kills = seen.filter((e) => e.kind === "kill");
      expect(kills).toHaveLength(1);
      // it did take longer than the plugin timeout: the grace
      expect(Number(/in (\d+) ms/.exec(kills[0]!.message)?.[1])).toBeGreaterThanOrEqual(3000);
      expect(pidsOfJob(job.jobId)).toEqual([]);
    } finally {
      await watch.stop();
    }
  });
});
