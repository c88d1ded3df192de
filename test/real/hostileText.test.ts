/**
 * Text from outside the supervisor — a job's name, any Codex's cwd, what a job printed — reaches
 * the terminal of whoever runs `list`, `status`, `logs` or `events`. It must never act on that
 * terminal (clear it, set its title) nor split a table row; `--json` keeps the exact strings.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, type Sandbox, waitFor } from "./support/harness.ts";

const ESC = "\x1b";
const BEL = "\x07";
/** Sets the window title to "pwned", then clears the screen. */
const HOSTILE = `${ESC}]0;pwned${BEL}${ESC}[2J`;
/** Raw control characters a terminal acts on: C0 but newline and tab, DEL, C1 (CSI is U+009B), bidi overrides. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];

interface JobJson { jobId: string; name: string | null; status: string; cwd: string; threadId: string | null }
interface ListJson { jobs: JobJson[]; untracked: Array<{ pids: number[]; cwd: string | null }> }

let sb: Sandbox;
beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({
    codex: { args: EXEC_ARGS },
    policies: [{ name: `limit${HOSTILE}`, match: { name: "*pwned*" }, when: { runtimeOver: "1s" }, do: ["kill"] }],
  });
});
afterAll(async () => { await sb.cleanup(); });

/** A directory whose name holds an escape sequence and a newline. */
const hostileDir = (tag: string): string => {
  const dir = join(sb.root, `${tag}-${ESC}[2J-line1\nline2`);
  mkdirSync(dir);
  return dir;
};

const start = async (prompt: string, cwd: string, extra: string[] = []) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, ...extra, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};

const expectTerminalSafe = (text: string) => {
  expect(text).not.toMatch(RAW_CONTROL);
  expect(text).not.toContain(ESC);
  expect(text).not.toContain(BEL);
};

describe("text from outside is shown escaped", () => {
  test("a job named with escapes, in a directory with a newline: list, status and events show it escaped, one row; --json exact", async () => {
    const dir = hostileDir("job");
    const job = await start("STALL: 60", dir, ["--name", HOSTILE]);
    try {
      const json = await waitFor("the job's thread in list --json", async () => {
        const entry = (await sb.cli(["list", "--json"])).json<ListJson>().jobs.find((j) => j.jobId === job.jobId);
        return entry?.threadId ? entry : undefined;
      });
      expect(json.name).toBe(HOSTILE);
      expect(json.cwd).toBe(dir);

      const list = await sb.cli(["list"]);
      expect(list.code, list.stderr).toBe(0);
      expectTerminalSafe(list.stdout);
      const jobTable = list.stdout.split("\n\n")[0]!.trimEnd().split("\n");
      expect(jobTable).toHaveLength(2); // the header and the job's one row
      expect(jobTable[1]).toContain("\\x1b[2J-line1\\nline2");

      const status = await sb.cli(["status", job.jobId]);
      expect(status.code, status.stderr).toBe(0);
      expectTerminalSafe(status.stdout);
      expect(status.stdout).toContain(`(\\x1b]0;pwned\\x07\\x1b[2J)`);
      expect(status.stdout.split("\n").filter((l) => l.startsWith("cwd "))).toEqual([`cwd       ${sb.root}/job-\\x1b[2J-line1\\nline2`]);
      expect((await sb.cli(["status", job.jobId, "--json"])).json<JobJson>().name).toBe(HOSTILE);

      // the watchdog's decision names the job, and the policy's name comes from a config file
      const eventsJson = async () => (await sb.cli(["events", "--job", job.jobId, "--json"])).stdout.trim().split("\n").filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; policy: string | null; message: string });
      const decision = await waitFor("the policy's decision", async () => {
        const watch = await sb.cli(["watch", "--once"]);
        expect(watch.code, watch.stderr).toBe(0);
        return (await eventsJson()).find((e) => e.kind === "decision");
      });
      expect(decision.policy).toBe(`limit${HOSTILE}`);
      expect(decision.message).toContain(`(${HOSTILE})`);
      const events = await sb.cli(["events", "--job", job.jobId]);
      expect(events.code, events.stderr).toBe(0);
      expectTerminalSafe(events.stdout);
      expect(events.stdout).toContain("limit\\x1b]0;pwned\\x07\\x1b[2J");
      expect(events.stdout.trim().split("\n")).toHaveLength((await eventsJson()).length + 1); // one row per event, and the header
    } finally {
      await sb.cli(["kill", job.jobId, "--grace", "200ms"]);
    }
  });

  test("a Codex the supervisor did not start, running in a directory named with ESC and a newline, is one escaped row", async () => {
    const dir = hostileDir("outside");
    const outside = sb.spawnCodex("STALL: 60", dir);
    try {
      const entry = await waitFor("the outside Codex in list --json", async () =>
        (await sb.cli(["list", "--json"])).json<ListJson>().untracked.find((u) => u.pids.includes(outside.pid) && u.cwd !== null));
      expect(entry.cwd).toBe(dir);
      const list = await sb.cli(["list"]);
      expect(list.code, list.stderr).toBe(0);
      expectTerminalSafe(list.stdout);
      // other Codex on this machine come and go (under the matrix, this file's other copies run theirs in folders named
      // the same way): its row is the one whose PIDS name it, and it holds the whole name; the newline split no row
      const lines = list.stdout.split("\n");
      const rows = lines.filter((line) => line.split(" ")[0]!.split(",").includes(String(outside.pid)));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain("outside-\\x1b[2J-line1\\nline2");
      expect(lines.filter((line) => line.startsWith("line2"))).toEqual([]);
    } finally {
      outside.kill("SIGKILL");
      await outside.exited;
    }
  });

  test("logs of a job whose prompt, tool output and reply hold escapes show them escaped; --json keeps them", async () => {
    const prompt = `RUN: printf '\\033]0;pwned\\007\\033[2J'\nREPLY: all ${ESC}[31mred${ESC}[0m done`;
    const job = await start(prompt, sb.project("logs"));
    await waitFor("completion", async () => (await sb.cli(["status", job.jobId, "--json"])).json<JobJson>().status === "completed" || undefined);
    const logs = await sb.cli(["logs", job.jobId]);
    expect(logs.code, logs.stderr).toBe(0);
    expectTerminalSafe(logs.stdout);
    expect(logs.stdout).toContain("\\x1b]0;pwned\\x07\\x1b[2J"); // the tool's output
    expect(logs.stdout).toContain("all \\x1b[31mred\\x1b[0m done"); // the reply
    const json = await sb.cli(["logs", job.jobId, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toContain(ESC); // JSON escapes every control character itself
    const events = json.stdout.trim().split("\n").map((l) => JSON.stringify(JSON.parse(l)));
    expect(events.some((e) => e.includes(JSON.stringify(HOSTILE).slice(1, -1)))).toBe(true);
    expect(events.some((e) => e.includes(JSON.stringify(`all ${ESC}[31mred${ESC}[0m done`).slice(1, -1)))).toBe(true);
  });
});

describe("what the supervisor prints to stderr", () => {
  test("an error naming a job query with escapes shows them escaped", async () => {
    const r = await sb.cli(["status", `${HOSTILE}-no-such-job`]);
    expect(r.code).toBe(3);
    expectTerminalSafe(r.stderr);
    expect(r.stderr).toContain("\\x1b]0;pwned\\x07");
  });

  test("a config file in a directory named with escapes is named escaped", async () => {
    const dir = hostileDir("badconfig");
    writeFileSync(join(dir, ".codex-supervisorrc.json"), "{ not json");
    // untrusted, so not applied: `list` goes on and says which file it left out, and how to trust it
    const r = await sb.cli(["list"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expectTerminalSafe(r.stderr);
    expect(r.stderr).toContain("badconfig-\\x1b[2J-line1\\nline2");
  });
});
