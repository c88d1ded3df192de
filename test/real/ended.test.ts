/**
 * Issue 27, "tell the user": an `ended` policy notifies once per job when it ends — a completed
 * job, one a policy killed (saying who and why), and one that ended while no watchdog ran — and
 * never again, across more ticks and a restart of the watchdog.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSandbox, type Sandbox, waitFor } from "./support/harness.ts";

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
let sb: Sandbox;
const hooks: Array<Record<string, unknown>> = [];
let hookServer: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  sb = createSandbox();
  hookServer = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    async fetch(req) { hooks.push(await req.json() as Record<string, unknown>); return new Response("ok"); },
  });
  sb.writeGlobalConfig({
    codex: { args: EXEC_ARGS },
    watchdog: { interval: "300ms" },
    plugins: [["notify", { webhook: `http://127.0.0.1:${hookServer.port}/hook` }]],
    // the kill comes well after `start` returned (it waits for Codex's thread: 7 s has been seen on a loaded machine)
    policies: [
      { name: "job-ended", when: { ended: true }, do: ["notify"] },
      { name: "max-runtime", match: { name: "long" }, when: { runtimeOver: "15s" }, do: [["kill", { grace: "1s" }]] },
    ],
  });
});
afterAll(async () => { await hookServer.stop(true); await sb.cleanup(); });

const start = async (prompt: string, name: string) => {
  const r = await sb.cli(["start", "--json", "--name", name, "--cwd", sb.project(name), prompt]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ jobId: string }>().jobId;
};
const statusOf = async (jobId: string) => (await sb.cli(["status", jobId, "--json"])).json<{ status: string }>().status;
const endedHooks = (jobId: string) => hooks.filter((h) => h.jobId === jobId && h.policy === "job-ended");

/** `watch --trace`, its ticks counted from stderr as they come. */
const watch = () => {
  const proc = sb.spawnWatch(["--cwd", sb.root, "--trace"]);
  let said = "";
  void (async () => { for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) said += new TextDecoder().decode(chunk); })();
  const ticks = () => [...said.matchAll(/^tick (\d+) /gm)].length;
  return {
    /** Waits until `n` more ticks have run: each would have fired again, had it been going to. */
    moreTicks: async (n: number) => { const from = ticks(); await waitFor(`${n} more ticks`, () => ticks() >= from + n || undefined); },
    stop: async () => { proc.kill("SIGTERM"); await proc.exited; },
  };
};

test("an ended policy notifies once for a completed job, once for a killed one, once for one that ended while no watchdog ran", async () => {
  const first = watch();
  let down: string;
  let done: string;
  let long: string;
  try {
    done = await start("RUN: echo hello\nREPLY: all good here", "done");
    long = await start("RUN: sleep 300\nHOLD: 300", "long");
    await waitFor("the completed job's notice", () => endedHooks(done)[0], 60_000);
    await waitFor("the killed job's notice", () => endedHooks(long)[0], 60_000);
    await first.moreTicks(5);
  } finally {
    await first.stop();
  }
  expect(endedHooks(done)).toHaveLength(1);
  expect(endedHooks(done)[0]).toMatchObject({
    action: "notify", endState: "completed", exitCode: 0, killedBy: null, lastAgentMessage: "all good here", name: "done",
  });
  expect(endedHooks(done)[0]!.tokens).toBeGreaterThan(0);
  expect(endedHooks(done)[0]!.durationMs).toBeGreaterThan(0);
  expect(String(endedHooks(done)[0]!.message)).toMatch(/ended: completed after .*exit 0, \d+ tokens; last message: "all good here"/);
  expect(endedHooks(long)).toHaveLength(1);
  expect(endedHooks(long)[0]).toMatchObject({ endState: "killed", killedBy: "policy max-runtime" });
  expect(String(endedHooks(long)[0]!.killReason)).toMatch(/^ran .* \(over 15s\)$/);
  expect(String(endedHooks(long)[0]!.message)).toContain("killed by policy max-runtime (ran ");

  // no watchdog runs: this job ends, and `status` records its end
  down = await start("RUN: echo away\nREPLY: finished while nobody watched", "down");
  await waitFor("the job's end, recorded without a watchdog", async () => (await statusOf(down)) === "completed" || undefined, 60_000);
  expect(endedHooks(down)).toHaveLength(0);

  const second = watch();
  try {
    await waitFor("the notice of the job that ended while no watchdog ran", () => endedHooks(down)[0], 30_000);
    await second.moreTicks(5);
  } finally {
    await second.stop();
  }
  expect(endedHooks(down)).toHaveLength(1);
  expect(endedHooks(down)[0]).toMatchObject({ endState: "completed", lastAgentMessage: "finished while nobody watched" });
  // the restart told of nothing twice
  expect(endedHooks(done)).toHaveLength(1);
  expect(endedHooks(long)).toHaveLength(1);
}, 180_000);
