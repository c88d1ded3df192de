import { describe, expect, test } from "vitest";
import { type Sandbox, waitFor } from "./support/harness.ts";
import { withExecSandbox } from "./support/execSandbox.ts";

interface JobJson {
  jobId: string; pid: number; status: string; threadId: string | null; resumedFrom: string | null; cwd: string;
  rolloutPath: string | null; lastAgentMessage?: string | null;
}
interface EventJson { kind: string; text?: string; threadId?: string }

let sb: Sandbox;
withExecSandbox((made) => (sb = made));

const start = async (prompt: string, cwd: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};
const status = async (id: string) => (await sb.cli(["status", id, "--json"])).json<JobJson>();
const completed = (id: string) => waitFor(`job ${id.slice(0, 8)} completed`, async () => {
  const s = await status(id);
  return s.status === "completed" ? s : undefined;
});
const events = async (id: string) => {
  const r = await sb.cli(["logs", id, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as EventJson);
};

describe("resume", () => {
  test("continues the same Codex thread as a new job that records which job it continues", async () => {
    const dir = sb.project("resumed");
    const first = await completed((await start("REPLY: the first answer", dir)).jobId);
    expect(first.threadId).not.toBeNull();

    const r = await sb.cli(["resume", first.jobId.slice(0, 8), "REPLY: the second answer", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const second = r.json<JobJson>();
    expect(second.jobId).not.toBe(first.jobId);
    expect(second.resumedFrom).toBe(first.jobId);
    expect(second.threadId).toBe(first.threadId);
    expect(second.cwd).toBe(dir);

    const done = await completed(second.jobId);
    expect(done.lastAgentMessage).toBe("the second answer");
    // one thread, one rollout file, both turns in it
    expect(done.rolloutPath).toBe(first.rolloutPath);
    const history = await events(second.jobId);
    const sessions = history.filter((e) => e.kind === "session");
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) expect(s.threadId).toBe(first.threadId);
    expect(history.filter((e) => e.kind === "user_message").map((e) => e.text))
      .toEqual(expect.arrayContaining(["REPLY: the first answer", "REPLY: the second answer"]));
    const said = history.filter((e) => e.kind === "agent_message").map((e) => e.text);
    expect(said.indexOf("the first answer")).toBeGreaterThanOrEqual(0);
    expect(said.lastIndexOf("the second answer")).toBeGreaterThan(said.indexOf("the first answer"));
    expect(history.filter((e) => e.kind === "turn_complete").length).toBeGreaterThanOrEqual(2);

    const shown = await sb.cli(["status", second.jobId]);
    expect(shown.stdout).toMatch(new RegExp(`resumes\\s+${first.jobId}`));
  });

  test("the prompt can come from stdin and defaults when left out", async () => {
    const first = await completed((await start("REPLY: one", sb.project("stdin"))).jobId);
    const piped = await sb.cli(["resume", first.jobId, "-", "--json"], { stdin: "REPLY: from stdin" });
    expect(piped.code, piped.stderr).toBe(0);
    expect((await completed(piped.json<JobJson>().jobId)).lastAgentMessage).toBe("from stdin");
    const bare = await sb.cli(["resume", first.jobId]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(new RegExp(`^resumed job ${first.jobId.slice(0, 8)} as job [0-9a-f]{8}`));
  });

  test("refuses a job that is still running, and an unknown job is exit 3", async () => {
    const running = await start("RUN: sleep 60\nHOLD: 300", sb.project("busy"));
    try {
      const r = await sb.cli(["resume", running.jobId, "REPLY: too soon"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("still running");
    } finally {
      await sb.cli(["kill", running.jobId, "--grace", "500ms"]);
    }
    const unknown = await sb.cli(["resume", "ffffffff"]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain(`no job matches "ffffffff"`);
  });
});
