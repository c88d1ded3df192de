import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { EventJson, JobDetailJson, JobEntryJson, JobJson, KillJson, LogEvent } from "../../src/index.ts";
import { isAlive, REPO, type Sandbox } from "./support/harness.ts";
import { withExecSandbox } from "./support/execSandbox.ts";
import { appFolder, lifecycleApp } from "./api/scripts.ts";
import { reportOf, runApp } from "./api/run.ts";

interface Report {
  first: JobJson;
  listed: JobEntryJson | null;
  done: JobDetailJson;
  logs: LogEvent[];
  followedLogs: LogEvent[];
  resumed: JobDetailJson;
  tail: LogEvent[];
  treeBeforeKill: number[];
  kill: KillJson;
  followed: EventJson[];
  events: EventJson[];
  afterKill: JobDetailJson;
  unknown: { typed: boolean; tag: string; message: string } | null;
  timeout: { typed: boolean; message: string } | null;
  closedFollow: boolean;
  afterClose: string | null;
}

let sb: Sandbox;
withExecSandbox((made) => (sb = made));

/** What every app run shows, whichever path (in process or through the CLI) it took. */
const expectLifecycle = (report: Report, project: string) => {
  expect(report.first.cwd).toBe(project);
  expect(report.listed?.jobId).toBe(report.first.jobId);
  expect(report.done.status).toBe("completed");
  expect(report.done.lastAgentMessage).toBe("first job done");
  expect(report.logs.some((e) => e.kind === "command_output" && e.output.includes("from-the-tool"))).toBe(true);
  expect(report.logs.at(-1)?.kind).toBe("turn_complete");
  expect(report.tail).toHaveLength(1);
  // resume continues the same thread as a new job; its extra codex args reached codex, not the CLI
  expect(report.resumed.resumedFrom).toBe(report.first.jobId);
  expect(report.resumed.threadId).toBe(report.done.threadId);
  expect(report.resumed.name).toBe("first-again");
  expect(report.resumed.lastAgentMessage).toBe("resumed and done");
  // followed from the start, the history ends with the turn: the stream stopped because the job ended
  expect(report.followedLogs.map((e) => e.kind)).toEqual(report.logs.map((e) => e.kind));
  expect(report.treeBeforeKill.length).toBeGreaterThanOrEqual(3);
  expect(report.kill.result).toBe("killed");
  expect(report.kill.survivors).toEqual([]);
  // the login shell's short-lived children come and go between readings: what counts is that
  // everything seen before the kill, and everything the kill ended, is gone
  const members = report.kill.members.map((m) => m.pid);
  expect(members).toEqual(expect.arrayContaining(report.treeBeforeKill.slice(0, 2)));
  expect(report.kill.members.some((m) => m.argv === "sleep 120")).toBe(true);
  for (const pid of [...members, ...report.treeBeforeKill]) expect(isAlive(pid), `pid ${pid} of the killed job`).toBe(false);
  expect(report.afterKill.status).toBe("killed");
  expect(report.afterKill.tree).toEqual([]);
  expect(report.followed.some((e) => e.kind === "kill" && e.jobId === report.kill.jobId)).toBe(true);
  expect(report.events.some((e) => e.kind === "kill" && e.message.includes("killed"))).toBe(true);
  expect(report.unknown).toEqual({ typed: true, tag: "JobNotFound", message: `no job matches "0badc0de" (see codex-supervisor list --all)` });
  expect(report.timeout?.typed).toBe(true);
  expect(report.closedFollow).toBe(true);
  expect(report.afterClose).toBe("Closed");
};

describe("the API from a Bun app", () => {
  test("starts, lists, waits for, reads, kills (whole tree) and follows events; exits by itself after close()", async () => {
    const project = sb.project("bun-app-project");
    const app = appFolder(sb.root, "bun-app");
    writeFileSync(join(app, "app.ts"), lifecycleApp("codex-supervisor"));
    const run = await runApp([process.execPath, "app.ts"], app, { ...sb.env, PROJECT: project, API_DB: join(sb.root, "api.db") }, 90_000);
    expect(run.killed, run.stderr).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    expectLifecycle(reportOf<Report>(run), project);
  }, 120_000);
});

describe("the API from a Node app (no bun:sqlite: each call runs the CLI with --json)", () => {
  test("the same app, imported by the same name under Node, does the same and exits by itself", async () => {
    const build = Bun.spawnSync(["bun", "run", "build:node"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
    expect(build.exitCode, build.stderr.toString()).toBe(0);
    const node = Bun.which("node", { PATH: sb.env.PATH! });
    expect(node, "node on PATH").toBeTruthy();
    const project = sb.project("node-app-project");
    const app = appFolder(sb.root, "node-app");
    writeFileSync(join(app, "app.mjs"), lifecycleApp("codex-supervisor"));
    const run = await runApp([node!, "app.mjs"], app, { ...sb.env, PROJECT: project, API_DB: join(sb.root, "api.db") }, 150_000);
    expect(run.killed, run.stderr).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    expectLifecycle(reportOf<Report>(run), project);
  }, 180_000);
});
