/**
 * Issue 27, "near": `events --follow` streams events as they are recorded, and `watch` logs each
 * event it records as a line on stdout (`--json`: one object a line), for journald, launchd, Loki.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventShape, watchLogShape } from "../../src/cli/jsonShapes.ts";
import { createSandbox, REPO, type Sandbox, waitFor } from "./support/harness.ts";

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
const CLI = join(REPO, "bin/codex-supervisor.ts");
let sb: Sandbox;

beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, watchdog: { interval: "300ms" } });
});
afterAll(async () => { await sb.cleanup(); });

const start = async (prompt: string, name: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", sb.project(name), prompt]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ jobId: string }>().jobId;
};

/** A CLI process whose stdout lines are collected as they come, each with the moment it was read. */
const spawnLines = (args: ReadonlyArray<string>) => {
  const proc = Bun.spawn([process.execPath, CLI, ...args], { cwd: sb.root, env: sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const lines: Array<{ text: string; readAt: number }> = [];
  const reading = (async () => {
    let rest = "";
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
      const readAt = Date.now();
      rest += new TextDecoder().decode(chunk);
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const text of parts) lines.push({ text, readAt });
    }
  })();
  // stopped once its last line is read too: the exit can be seen before the rest of its stdout
  return { proc, lines, stop: async () => { proc.kill("SIGTERM"); const code = await proc.exited; await reading; return code; } };
};

describe("events --follow", () => {
  test("prints a kill within two seconds of it being recorded (it polls every 200 ms), as a line of the events --json shape", async () => {
    // an event before the follower starts: its first lines show it is up and following
    const before = await start("REPLY: quick", "quick");
    await waitFor("the quick job's end", async () => (await sb.cli(["status", before, "--json"])).json<{ status: string }>().status !== "running" || undefined, 60_000);
    expect((await sb.cli(["kill", before])).code).toBe(0);
    const target = await start("RUN: sleep 60\nHOLD: 300", "target");
    const follower = spawnLines(["events", "--follow", "--json"]);
    try {
      await waitFor("the follower's first lines", () => follower.lines.some((l) => l.text.includes(before)) || undefined);
      const killed = await sb.cli(["kill", target, "--grace", "1s"]);
      expect(killed.code, killed.stderr).toBe(0);
      const line = await waitFor("the kill, followed", () => follower.lines.find((l) => l.text.includes(`"jobId":"${target}"`) && l.text.includes(`"kind":"kill"`)));
      const event = eventShape.parse(JSON.parse(line.text));
      expect(event.message).toMatch(/^kill command: killed/);
      expect(line.readAt - Date.parse(event.at)).toBeLessThan(2000);
      for (const l of follower.lines) eventShape.parse(JSON.parse(l.text));
    } finally {
      expect(await follower.stop()).toBe(0); // SIGTERM is how a follower is meant to end: a clean exit
    }
  }, 120_000);
});

describe("watch's log", () => {
  test("with --json every stdout line is a JSON object of the watch log shape, a policy's firing among them", async () => {
    sb.writeGlobalConfig({
      codex: { args: EXEC_ARGS }, watchdog: { interval: "300ms" },
      policies: [{ name: "max-runtime", when: { runtimeOver: "1s" }, do: [["kill", { grace: "1s" }]] }],
    });
    const jobId = await start("RUN: sleep 60\nHOLD: 300", "logged");
    const watch = spawnLines(["watch", "--json", "--cwd", sb.root]);
    try {
      await waitFor("the firing in watch's log", () => watch.lines.find((l) => l.text.includes(`"kind":"fired"`) && l.text.includes(jobId)), 60_000);
    } finally {
      expect(await watch.stop()).toBe(0);
    }
    const logged = watch.lines.map((l) => watchLogShape.parse(JSON.parse(l.text)));
    expect(logged[0]).toMatchObject({ kind: "watchdog", message: expect.stringMatching(/^watchdog running/), id: null });
    expect(logged.at(-1)).toMatchObject({ kind: "watchdog", message: "watchdog stopped" });
    const ofJob = logged.filter((e) => e.jobId === jobId).map((e) => `${e.kind}:${e.action ?? ""}`);
    expect(ofJob).toEqual(expect.arrayContaining(["decision:", "kill:kill", "action:kill", "fired:"]));
    // each recorded event once: the ids are those of `events`
    const ids = logged.flatMap((e) => (e.id === null ? [] : [e.id]));
    expect(new Set(ids).size).toBe(ids.length);
    const recorded = (await sb.cli(["events", "--json", "--job", jobId])).stdout.trim().split("\n").map((l) => eventShape.parse(JSON.parse(l)).id);
    expect(recorded.every((id) => ids.includes(id))).toBe(true);
  }, 120_000);
});
