/**
 * What must hold for every Codex release in the matrix (test/matrix/): history read
 * through what all releases share, thread mapping, final state and token counts, each
 * kind of Codex program named in `list`, and histories in a format this version does
 * not know reported as such. Runs against CODEX_SUPERVISOR_TEST_CODEX like the rest of test/real.
 */
import { Database } from "bun:sqlite";
import { readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { codexFlavor } from "./support/codexFlavor.ts";
import { CODEX_BIN, commandOf, createSandbox, REPO, type Sandbox, waitFor } from "./support/harness.ts";

interface JobJson { jobId: string; pid: number; nativePid: number | null; status: string; threadId: string | null; rolloutPath: string | null }
interface StatusJson extends JobJson {
  cliVersion: string | null; turnState: string | null; lastAgentMessage: string | null; historyProblem: string | null;
  tokens: { input: number; output: number; total: number } | null;
}
interface Untracked { pid: number; pids: number[]; kind: string; threadId: string | null; cwd: string | null }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
const flavor = codexFlavor(CODEX_BIN);
const FIXTURES = join(REPO, "test/fixtures/rollouts");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let sb: Sandbox;

beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
});
afterAll(async () => { await sb.cleanup(); });

// Every job runs a command of a second or more: `start` returns once it sees Codex running, and
// calls a job that ended before that a failed launch.
const start = async (prompt: string, cwd: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};
const status = async (id: string) => (await sb.cli(["status", id, "--json"])).json<StatusJson>();
const completed = (id: string) => waitFor(`job ${id.slice(0, 8)} completed`, async () => {
  const s = await status(id);
  return s.status === "completed" ? s : undefined;
});
const untracked = async () => (await sb.cli(["list", "--json"])).json<{ untracked: Untracked[] }>().untracked;
/** The one `list` entry of a program started in `cwd`, once its launcher and native are both up. */
const programIn = (cwd: string) => waitFor(`a Codex program in ${cwd} in list`, async () => {
  const found = (await untracked()).filter((u) => u.cwd === cwd);
  return found.length === 1 && found[0]!.pids.length >= 2 ? found[0] : undefined;
});
/** What a job's record looks like when nothing observed it between its start and its end (and, with `thread`, before its thread showed). */
const forgetEnd = (jobId: string, thread: boolean) => {
  const db = new Database(sb.dbPath);
  db.run(`UPDATE jobs SET status = 'running', ended_at = NULL, exit_code = NULL${thread ? ", thread_id = NULL, rollout_path = NULL, native_pid = NULL, native_start = NULL" : ""} WHERE id = ?`, [jobId]);
  db.close();
};
/** Ends whatever a test left running in this sandbox (a TUI's daemon, a server). */
const endAll = async () => {
  for (let round = 0; round < 20 && sb.livePids().length > 0; round++) {
    for (const pid of sb.livePids()) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
    await Bun.sleep(50);
  }
};

describe(`codex ${flavor.version}: history, threads, state and tokens`, () => {
  let first: StatusJson;

  test("a finished job shows this Codex's version, its thread (the one its tools saw), completion, tokens and last message", async () => {
    const job = await start("RUN: sleep 1; echo \"thread=$CODEX_THREAD_ID job=$CODEX_SUPERVISOR_JOB_ID\"\nREPLY: compat finished", sb.project("basic"));
    first = await completed(job.jobId);
    expect(first.cliVersion).toBe(flavor.version);
    expect(first.historyProblem).toBeNull();
    expect(first.turnState).toBe("completed");
    expect(first.lastAgentMessage).toBe("compat finished");
    expect(first.threadId).toMatch(UUID);
    expect(first.rolloutPath).toMatch(new RegExp(`rollout-.*-${first.threadId}\\.jsonl$`));
    // two model responses of 10 in / 5 out each, whichever record this release counts them in
    expect(first.tokens).toMatchObject({ input: 20, output: 10, total: 30 });
    const logs = await sb.cli(["logs", job.jobId]);
    expect(logs.code, logs.stderr).toBe(0);
    // CODEX_THREAD_ID from Codex and the marker from shell_environment_policy.set, both in the tool's environment
    expect(logs.stdout).toContain(`thread=${first.threadId} job=${job.jobId}`);
    expect(logs.stdout).toContain("codex: compat finished");
    expect(logs.stdout).toMatch(/tokens: 20 in .* 10 out .* 30 total/);
  });

  test("the history has the records every release shares, which the supervisor relies on", () => {
    const records = readFileSync(first.rolloutPath!, "utf8").split("\n").filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { type: string; payload?: { type?: string } });
    expect(records[0]!.type).toBe("session_meta");
    const types = new Set(records.map((r) => (r.type === "event_msg" ? `event_msg/${r.payload?.type}` : r.type)));
    for (const shared of ["turn_context", "response_item", "event_msg/task_started", "event_msg/task_complete", "event_msg/token_count"]) {
      expect(types, `codex ${flavor.version} wrote no ${shared}`).toContain(shared);
    }
  });

  test("a job interrupted mid-command ends aborted, from the turn_aborted every release writes", async () => {
    // held after the command is handed back (10 s): on a loaded machine the look for the tool may come later
    const job = await start("RUN: sleep 30\nHOLD: 60", sb.project("interrupted"));
    const native = await waitFor("the tool running", async () => {
      const s = await status(job.jobId);
      return s.nativePid !== null && sb.livePids().some((pid) => commandOf(pid).startsWith("sleep 30")) ? s.nativePid : undefined;
    });
    process.kill(native, "SIGINT");
    const ended = await waitFor("the job's end", async () => {
      const s = await status(job.jobId);
      return s.status !== "running" ? s : undefined;
    });
    expect(ended).toMatchObject({ status: "aborted", turnState: "aborted", historyProblem: null });
    await endAll();
  });

  test("a job that ended unseen is mapped to its thread through Codex's state db, else by rollout name", async () => {
    const stateDb = join(sb.codexHome, "state_5.sqlite");
    const newer = join(sb.codexHome, "state_99.sqlite");
    const variants: Record<string, { before: () => void; after: () => void }> = {
      "its state db": { before: () => {}, after: () => {} },
      "no state db": { before: () => renameSync(stateDb, `${stateDb}.hidden`), after: () => renameSync(`${stateDb}.hidden`, stateDb) },
      "a newer state db of a shape this version does not know": {
        before: () => { const db = new Database(newer); db.run("CREATE TABLE conversations (uid TEXT PRIMARY KEY, file TEXT)"); db.close(); },
        after: () => rmSync(newer),
      },
    };
    for (const [name, variant] of Object.entries(variants)) {
      forgetEnd(first.jobId, true);
      variant.before();
      try {
        const mapped = await status(first.jobId);
        expect(mapped, `with ${name}`).toMatchObject({ status: "completed", threadId: first.threadId, rolloutPath: first.rolloutPath, historyProblem: null });
      } finally {
        variant.after();
      }
    }
  });
});

describe(`codex ${flavor.version}: a job started after one killed mid-turn`, () => {
  // Starting, Codex 0.171 reads the rollout of a thread killed mid-turn for a moment before it creates
  // its own (`bun bench/tools/rollout-opens.ts`): "a rollout it holds open" is not enough to name a
  // job's thread. The writer lock it holds is (0.150 and later); before that, the thread's age.
  test("is mapped to its own thread (the one holding its prompt), which is the thread whose writer lock its Codex holds", async () => {
    const dir = sb.project("after-a-kill");
    const killed = await start("STALL: 60", dir);
    const first = await waitFor("the first job's thread", async () => {
      const s = await status(killed.jobId);
      return s.threadId && s.nativePid ? s : undefined;
    });
    // as the OOM killer or a reboot would: no chance to close its turn
    process.kill(first.nativePid!, "SIGKILL");
    await waitFor("the first job's end", async () => ((await status(killed.jobId)).status !== "running" ? true : undefined));
    const mark = `its-own-prompt-${crypto.randomUUID()}`;
    const job = await start(`STALL: 60\n${mark}`, dir);
    const seen = await waitFor("its thread", async () => {
      const s = await status(job.jobId);
      return s.threadId && s.rolloutPath && s.nativePid ? s : undefined;
    });
    expect(seen.threadId).not.toBe(first.threadId);
    // the prompt lands in the rollout when Codex writes its turn (0.150 writes it a moment later than 0.171)
    await waitFor("its prompt in the rollout it was mapped to", () => readFileSync(seen.rolloutPath!, "utf8").includes(mark) || undefined, 15_000);
    const locks = readdirSync(`/proc/${seen.nativePid}/fd`).flatMap((fd) => {
      try { return [readlinkSync(`/proc/${seen.nativePid}/fd/${fd}`)]; } catch { return []; }
    }).filter((f) => f.includes("/thread-writer-locks/") && f.endsWith(".lock") && !f.endsWith("/.coordination.lock"));
    expect(locks.map((f) => f.split("/").at(-1))).toEqual(flavor.holdsWriterLock ? [`${seen.threadId}.lock`] : []);
    expect((await sb.cli(["kill", job.jobId, "--grace", "200ms"])).code).toBe(0);
  });
});

describe(`codex ${flavor.version}: two jobs in one folder that ended unseen`, () => {
  test("each is mapped to its own thread, with and without Codex's state db, whichever is looked at first", async () => {
    const dir = sb.project("neighbours");
    // Started back to back: the first job's thread starts nearer in time to the second job than the second's own.
    const jobs = [await start("RUN: sleep 1\nREPLY: first of two", dir), await start("RUN: sleep 1\nREPLY: second of two", dir)];
    const done = [await completed(jobs[0]!.jobId), await completed(jobs[1]!.jobId)];
    expect(done[0]!.threadId).not.toBe(done[1]!.threadId);
    const stateDb = join(sb.codexHome, "state_5.sqlite");
    const withoutDb = { before: () => renameSync(stateDb, `${stateDb}.hidden`), after: () => renameSync(`${stateDb}.hidden`, stateDb) };
    const variants = { "its state db": { before: () => {}, after: () => {} }, "no state db": withoutDb };
    for (const [name, variant] of Object.entries(variants)) {
      for (const order of [[0, 1], [1, 0]] as const) {
        for (const job of jobs) forgetEnd(job.jobId, true);
        variant.before();
        try {
          for (const i of order) {
            const mapped = await status(jobs[i]!.jobId);
            expect(mapped, `job ${i + 1} with ${name}, looked at ${order.map((o) => o + 1).join(" then ")}`)
              .toMatchObject({ status: "completed", threadId: done[i]!.threadId, lastAgentMessage: i === 0 ? "first of two" : "second of two" });
          }
        } finally {
          variant.after();
        }
      }
    }
  });
});

describe(`codex ${flavor.version}: every kind of Codex program in list`, () => {
  const spawnServer = (args: ReadonlyArray<string>, cwd: string) =>
    Bun.spawn([CODEX_BIN, ...args], { cwd, env: sb.env, stdin: "pipe", stdout: "ignore", stderr: "ignore" });

  test("codex app-server", async () => {
    const dir = sb.project("app-server");
    const server = spawnServer(["app-server"], dir);
    try {
      const entry = await programIn(dir);
      expect(entry).toMatchObject({ kind: "app-server", pid: server.pid });
    } finally {
      server.kill("SIGKILL");
      await endAll();
    }
  });

  test.skipIf(!flavor.hasMcpServer)(`codex mcp-server${flavor.hasMcpServer ? "" : ` (skipped: codex ${flavor.version} has no mcp-server command)`}`, async () => {
    const dir = sb.project("mcp-server");
    const server = spawnServer(["mcp-server"], dir);
    try {
      expect(await programIn(dir)).toMatchObject({ kind: "mcp-server", pid: server.pid });
    } finally {
      server.kill("SIGKILL");
      await endAll();
    }
  });

  test("codex exec resume, with the thread it resumes", async () => {
    const dir = sb.project("resume");
    const job = await completed((await start("RUN: sleep 1\nREPLY: to be resumed", dir)).jobId);
    const resumed = spawnServer(["exec", ...EXEC_ARGS, "resume", job.threadId!, "RUN: sleep 30"], dir);
    try {
      const entry = await programIn(dir);
      expect(entry).toMatchObject({ kind: "exec-resume", pid: resumed.pid, threadId: job.threadId });
    } finally {
      resumed.kill("SIGKILL");
      await endAll();
    }
  });

  const script = Bun.which("script");
  test.skipIf(!script)(`the interactive TUI${script ? "" : " (skipped: no `script` from util-linux to give it a terminal)"}`, { timeout: 240_000 }, async () => {
    const dir = sb.project("tui");
    const quoted = `'${CODEX_BIN.replaceAll("'", `'\\''`)}'`;
    // a pty of its own: the TUI refuses to start without a terminal
    const tui = Bun.spawn([script!, "-qfec", `${quoted} 'RUN: sleep 30'`, "/dev/null"], {
      cwd: dir, env: { ...sb.env, TERM: "xterm-256color" }, stdin: "pipe", stdout: "ignore", stderr: "ignore",
    });
    try {
      const entry = await programIn(dir);
      expect(entry.kind).toBe("tui");
      if (flavor.tuiUsesDaemon) {
        // 0.171 first installs the daemon into $CODEX_HOME/packages (a fresh CODEX_HOME each run): ~15 s idle, more under load
        await waitFor("the TUI's app-server daemon", () => sb.livePids().some((pid) => commandOf(pid).includes(" app-server ")) || undefined, 120_000);
      } else {
        expect(sb.livePids().filter((pid) => commandOf(pid).includes(" app-server "))).toEqual([]);
      }
      // the daemon is the TUI's child: part of the TUI's program, not a program of its own
      const ours = new Set(sb.livePids());
      expect((await untracked()).filter((u) => ours.has(u.pid))).toMatchObject([{ kind: "tui", pid: entry.pid }]);
    } finally {
      tui.kill("SIGKILL");
      await endAll();
    }
  });
});

describe(`codex ${flavor.version}: a history in a format this version does not know`, () => {
  test.each([
    ["future-unknown-format.jsonl", "first line is not a session_meta record"],
    ["future-unknown-records.jsonl", "no record after session_meta is one this version reads"],
  ])("%s: status and logs say so with the Codex version, and the job is not called completed", async (fixture, reason) => {
    const job = await completed((await start("RUN: sleep 1\nREPLY: finished before anyone looked", sb.project(fixture.replace(".jsonl", "")))).jobId);
    // the job ended unobserved, and its history turns out to be written by a newer Codex
    forgetEnd(job.jobId, false);
    writeFileSync(job.rolloutPath!, readFileSync(join(FIXTURES, fixture)));

    const s = await status(job.jobId);
    expect(s.status).toBe("exited");
    expect(s.turnState).toBeNull();
    expect(s.historyProblem).toContain("unsupported Codex history format (codex 1.4.0)");
    expect(s.historyProblem).toContain(reason);
    const text = await sb.cli(["status", job.jobId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/note\s+unsupported Codex history format \(codex 1\.4\.0\)/);

    for (const args of [[], ["--json"], ["--tail", "5"]]) {
      const logs = await sb.cli(["logs", job.jobId, ...args]);
      expect(logs.code, `logs ${args.join(" ")}`).toBe(1);
      expect(logs.stderr).toContain(`unsupported Codex history format in ${job.rolloutPath} (codex 1.4.0)`);
      expect(logs.stderr).toContain(reason);
      expect(logs.stdout).toBe("");
    }
  });
});
