/**
 * Issue 27: `top` in a real terminal (tmux on a socket of its own): it shows a running job within a
 * few seconds, shows its logs, redraws to a new size, kills it after a confirmation (its whole tree
 * gone), and `q` gives the terminal back as it was (main screen, cursor, tty modes).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSandbox, isAlive, REPO, type Sandbox, waitFor } from "./support/harness.ts";

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
let sb: Sandbox;
let scratch: string;
let socket: string;
/** The tmux session top runs in now: one per run (the last one killed would take the server with it). */
let session = "";

beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
  scratch = mkdtempSync(join(tmpdir(), "cs-top-"));
  socket = join(scratch, "tmux.sock");
});
afterAll(async () => {
  Bun.spawnSync(["tmux", "-S", socket, "kill-server"], { stdout: "ignore", stderr: "ignore" });
  rmSync(scratch, { recursive: true, force: true });
  await sb.cleanup();
});

const tmux = (...args: string[]) => {
  const r = Bun.spawnSync(["tmux", "-S", socket, ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
};
const screen = () => tmux("capture-pane", "-p", "-t", session);
const seeing = (what: string | RegExp, timeoutMs = 15_000) =>
  waitFor(`the screen to show ${what}`, () => { const s = screen(); return (typeof what === "string" ? s.includes(what) : what.test(s)) ? s : undefined; }, timeoutMs)
    .catch((e: Error) => { throw new Error(`${e.message}; the screen:\n${screen()}`); });
/** A new tmux session running `top`; what the shell prints around it shows the terminal after. */
const openTop = () => {
  const script = join(scratch, "run.sh");
  const env = Object.entries(sb.env).filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)).map(([k, v]) => `export ${k}='${v.replaceAll("'", "'\\''")}'`);
  writeFileSync(script, [
    ...env, `cd '${sb.root}'`, "echo BEFORE-TOP", "before=$(stty -g)",
    `'${process.execPath}' '${join(REPO, "bin/codex-supervisor.ts")}' top`, "code=$?", "after=$(stty -g)",
    `[ "$before" = "$after" ] && echo "TTY-SAME" || echo "TTY-CHANGED"`, `echo "TOP-EXIT $code"`, "exec sleep 600", "",
  ].join("\n"));
  session = `top${Number(session.slice(3) || 0) + 1}`;
  tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "40", `sh '${script}'`);
};
/** The terminal after top ended: its own screen gone, the shell's text back, cursor shown, tty modes as before. */
const expectTerminalBack = async (code: number) => {
  const after = await seeing("TOP-EXIT");
  expect(after).toContain(`TOP-EXIT ${code}`);
  expect(after).toContain("BEFORE-TOP");
  expect(after).toContain("TTY-SAME");
  expect(after).not.toContain("codex-supervisor top ·");
  expect(tmux("display", "-p", "-t", session, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
};
const jobPids = (jobId: string) => sb.livePids().filter((pid) => {
  try { return readFileSync(`/proc/${pid}/environ`, "utf8").includes(`CODEX_SUPERVISOR_JOB_ID=${jobId}`); } catch { return false; }
});

test("top shows a running job, its logs, fits a resize, kills it after y, and q leaves the terminal as it was", async () => {
  const started = await sb.cli(["start", "--json", "--name", "topjob", "--cwd", sb.project("top"), "RUN: sleep 300\nHOLD: 300"]);
  expect(started.code, started.stderr).toBe(0);
  const { jobId } = started.json<{ jobId: string }>();
  await waitFor("the job's tool running", () => jobPids(jobId).length >= 3 || undefined);

  openTop();

  const first = await seeing(new RegExp(`${jobId.slice(0, 8)}\\s+topjob\\s+running`));
  expect(first).toContain("codex-supervisor top");
  expect(tmux("display", "-p", "-t", session, "#{alternate_on}").trim()).toBe("1");

  tmux("send-keys", "-t", session, "/", "topjob", "Enter");
  await seeing('filter "topjob"');
  tmux("send-keys", "-t", session, "l");
  await seeing(`logs of job ${jobId.slice(0, 8)} (topjob)`);
  await seeing("sleep 300");
  tmux("send-keys", "-t", session, "Escape");
  await seeing("k kill");

  tmux("resize-window", "-t", session, "-x", "72", "-y", "18");
  const narrow = await seeing(/q quit\s*$/);
  expect(narrow.split("\n").every((line) => Bun.stringWidth(line) <= 72)).toBe(true);
  expect(narrow).toContain(jobId.slice(0, 8));

  tmux("send-keys", "-t", session, "k");
  await seeing(`kill job ${jobId.slice(0, 8)} (topjob) and its whole tree? y to confirm`);
  tmux("send-keys", "-t", session, "y");
  await waitFor("the job's whole tree gone", () => jobPids(jobId).length === 0 || undefined, 30_000);
  expect((await sb.cli(["status", jobId, "--json"])).json<{ status: string }>().status).toBe("killed");
  await seeing(new RegExp(`job ${jobId.slice(0, 8)} killed: \\d+ process\\(es\\) ended`));
  const events = (await sb.cli(["events", "--json", "--job", jobId])).stdout;
  expect(events).toContain('"message":"top: killed');

  tmux("send-keys", "-t", session, "q");
  await expectTerminalBack(0);
  const tree = started.json<{ pid: number }>().pid;
  expect(isAlive(tree)).toBe(false);
}, 120_000);

test("Ctrl-C and SIGTERM give the terminal back as it was too", async () => {
  for (const how of ["ctrl-c", "sigterm"] as const) {
    openTop();
    await seeing("codex-supervisor top ·");
    if (how === "ctrl-c") tmux("send-keys", "-t", session, "C-c");
    else {
      const pid = Number(tmux("display", "-p", "-t", session, "#{pane_pid}").trim());
      const top = Bun.spawnSync(["pgrep", "-P", String(pid)]).stdout.toString().trim().split("\n").map(Number).find((p) => p > 0);
      expect(top).toBeGreaterThan(0);
      process.kill(top!, "SIGTERM");
    }
    await expectTerminalBack(0);
  }
}, 60_000);
