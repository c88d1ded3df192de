/**
 * Safety rules as a user meets them, through the CLI and a real Codex: each rule also has a test
 * closer to its code (the launch args, verifyIdentity, killTree); these say what a user would see.
 */
import { Database } from "bun:sqlite";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { commandOf, createSandbox, isAlive, type Sandbox, waitFor } from "./support/harness.ts";
import { killOwned, own } from "../support/owned.ts";

interface JobJson { jobId: string; pid: number; nativePid: number | null; threadId: string | null; status: string }

let sb: Sandbox;
beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"] } });
});
afterAll(async () => { await sb.cleanup(); });

const start = async (prompt: string, cwd: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};
const environOf = (pid: number) => {
  try { return readFileSync(`/proc/${pid}/environ`, "utf8"); } catch { return ""; }
};
/** Every live process carrying the job's marker: launcher, native Codex, tool shells and what they started. */
const processesOf = (jobId: string) => sb.livePids().filter((pid) => environOf(pid).split("\0").includes(`CODEX_SUPERVISOR_JOB_ID=${jobId}`));
const stateOf = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch { return "gone"; }
};

describe("the prompt", () => {
  test("reaches Codex on its stdin: no process of the job, the native Codex and its tools included, shows it in its command line", async () => {
    const secret = `prompt-words-${crypto.randomUUID()}`;
    const dir = sb.project("prompt");
    const ready = join(dir, "tool-running");
    const job = await start(`RUN: touch ${ready}; sleep 60\nHOLD: 300\nREPLY: ${secret}`, dir);
    await waitFor("the tool command to run", () => existsSync(ready) || undefined);
    // its sleep is forked once touch has exited: read the processes once it is there
    const pids = await waitFor("the tool's sleep", () => {
      const found = processesOf(job.jobId);
      return found.some((pid) => commandOf(pid).startsWith("sleep 60")) ? found : undefined;
    });
    const commands = pids.map(commandOf);
    // the launcher, the native binary, the tool's shell and its sleep: all read while they run
    expect(pids).toContain(job.pid);
    expect(commands.some((c) => /vendor\/.*codex exec/.test(c)), commands.join("\n")).toBe(true);
    expect(commands.some((c) => c.startsWith("sleep 60"))).toBe(true);
    expect(commands.filter((c) => c.includes(secret))).toEqual([]);
    // and Codex did get it: its history holds the prompt as the user's message
    const seen = await waitFor("the job's thread", async () => {
      const s = (await sb.cli(["status", job.jobId, "--json"])).json<JobJson>();
      return s.threadId ? s : undefined;
    });
    const rollout = readdirSync(join(sb.codexHome, "sessions"), { recursive: true }).map(String).find((f) => f.endsWith(`${seen.threadId}.jsonl`));
    expect(readFileSync(join(sb.codexHome, "sessions", rollout!), "utf8")).toContain(secret);
    expect((await sb.cli(["kill", job.jobId, "--grace", "1s"])).code).toBe(0);
  });
});

describe("the job's marker", () => {
  test("a tool's daemon cut off from the job (reparented to init) still carries it, and kill ends it with the job", async () => {
    const dir = sb.project("marker");
    const pidFile = join(dir, "daemon.pid");
    const job = await start(`RUN: setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo $! > ${pidFile}; sleep 60\nHOLD: 300`, dir);
    const daemon = await waitFor("the daemon's pid", () => {
      const text = existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim() : "";
      return text ? Number(text) : undefined;
    });
    expect(environOf(daemon).split("\0")).toContain(`CODEX_SUPERVISOR_JOB_ID=${job.jobId}`);
    const killed = await sb.cli(["kill", job.jobId, "--grace", "2s"]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(isAlive(daemon)).toBe(false);
  });
});

describe("a job recorded in an earlier boot", () => {
  test("is never signalled: kill says it ran in an earlier boot and its processes (now, after a reboot, strangers) run on untouched", async () => {
    const dir = sb.project("earlier-boot");
    const trapped = join(dir, "got-signal");
    const ready = join(dir, "tool-running");
    const job = await start(`RUN: trap "echo TERM > ${trapped}" TERM; touch ${ready}; sleep 120 & wait\nHOLD: 300`, dir);
    await waitFor("the tool command to run", () => existsSync(ready) || undefined);
    // Codex's two processes, the tool's shell and its sleep (not the shell snapshot's short-lived login shells,
    // which carry the marker too and end by themselves); the sleep is forked once touch has exited
    const pids = await waitFor("the tool's sleep", () => {
      const found = processesOf(job.jobId).filter((pid) => /codex exec|sleep 120/.test(commandOf(pid)));
      return found.some((pid) => commandOf(pid).startsWith("sleep 120")) ? found : undefined;
    });
    expect(pids.length).toBeGreaterThanOrEqual(4);
    const owned = pids.map(own);
    // what a reboot leaves in the record: another boot's id beside PIDs that now name whatever holds them
    const db = new Database(sb.dbPath);
    db.run("UPDATE jobs SET boot_id = ? WHERE id = ?", ["0f0f0f0f-earlier-boot", job.jobId]);
    db.close();
    try {
      const killed = await sb.cli(["kill", job.jobId, "--grace", "1s"]);
      expect(killed.stdout + killed.stderr).toMatch(/was not running .*nothing to kill/);
      // `kill` has returned: whatever it would have sent, it has sent. Nothing was stopped, nothing asked to end.
      expect(pids.map((pid) => [pid, stateOf(pid)]).filter(([, state]) => state === "T" || state === "gone" || state === "Z")).toEqual([]);
      expect(existsSync(trapped)).toBe(false);
      // and nothing calls it running: its processes are not its own any more
      expect((await sb.cli(["status", job.jobId, "--json"])).json<JobJson>().status).not.toBe("running");
    } finally {
      killOwned(owned);
    }
  });
});
