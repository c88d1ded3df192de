/**
 * Honest degradation on the portable backend (ps and lsof, what macOS runs), through the CLI and a
 * real Codex: where a fact cannot be read, every door says so instead of taking it as nothing.
 * The gaps are forced here with stand-ins first on PATH: an `lsof` that fails, and a `ps` that
 * refuses to show environments and passes everything else to the real `ps`.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { commandOf, createSandbox, isAlive, type Sandbox, waitFor } from "./support/harness.ts";

interface Unchecked { unchecked: string[] }
interface JobJson { jobId: string; status: string; threadId: string | null; historyProblem: string | null }
interface KillJson extends Unchecked { result: string; survivors: number[] }

let sb: Sandbox;
let env: Record<string, string>;
const realPs = () => {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (existsSync(join(dir, "ps"))) return join(dir, "ps");
  throw new Error("no ps on PATH");
};

beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"] } });
  const shims = join(sb.root, "shims");
  mkdirSync(shims);
  writeFileSync(join(shims, "lsof"), "#!/bin/sh\necho 'lsof: broken for this test' >&2\nexit 2\n");
  // `ps e` (procps) and `ps -E` (BSD) show environments: refused, as on a system that hides them
  writeFileSync(join(shims, "ps"), `#!/bin/sh\nfor a in "$@"; do case "$a" in e|-E) echo 'ps: no environments here' >&2; exit 2;; esac; done\nexec ${realPs()} "$@"\n`);
  chmodSync(join(shims, "lsof"), 0o755);
  chmodSync(join(shims, "ps"), 0o755);
  // the supervisor reads the table through the shims; the jobs inherit them too, and their tools use neither
  env = { CODEX_SUPERVISOR_PROCESS_TABLE: "portable", CODEX_SUPERVISOR_CGROUP: "off", PATH: `${shims}${delimiter}${sb.env.PATH}` };
});
afterAll(async () => { await sb.cleanup(); });

const FILES = /open files and working directories \(lsof failed: exit 2\)/;

describe("portable backend with lsof failing and environments hidden", () => {
  test("status, list, watch and kill each say what they could not check; kill names the stray it could not judge", async () => {
    const dir = sb.project("gaps");
    const strayFile = join(dir, "stray.pid");
    const startedAt = performance.now();
    const started = await sb.cli(["start", "--json", "--cwd", dir, "-"], {
      // each RUN holds Codex ~10 s (its exec yields, then the next call): long enough for every look
      env, stdin: `RUN: setsid sh -c 'sleep 900 & echo $! > ${strayFile}; exit'; sleep 300\n${"RUN: sleep 300\n".repeat(4)}`,
    });
    expect(started.code, started.stderr).toBe(0);
    // where open files cannot be read, start does not wait the 20 s it gives a thread it could see appear
    expect(performance.now() - startedAt).toBeLessThan(20_000);
    const job = started.json<JobJson>();
    const strayPid = await waitFor("the tool's stray", () => (existsSync(strayFile) ? Number(readFileSync(strayFile, "utf8")) || undefined : undefined));
    const stray = await waitFor("the stray to be the sleep", () => (commandOf(strayPid).trim() === "sleep 900" ? strayPid : undefined));
    try {

      const status = await sb.cli(["status", job.jobId, "--json"], { env });
      expect(status.code, status.stderr).toBe(0);
      const detail = status.json<JobJson & Unchecked>();
      expect(detail.status).toBe("running");
      expect(detail.unchecked.some((g) => FILES.test(g)), detail.unchecked.join("\n")).toBe(true);
      // its thread was not found, and status says why rather than "not started yet"
      expect(detail.threadId).toBeNull();
      expect(detail.historyProblem).toBe("its thread could not be looked for (see unchecked)");
      const text = await sb.cli(["status", job.jobId], { env });
      expect(text.stdout, text.stdout).toMatch(/^unchecked +open files and working directories \(lsof failed: exit 2\)/m);

      const list = await sb.cli(["list", "--json"], { env });
      expect(list.json<Unchecked>().unchecked.some((g) => FILES.test(g))).toBe(true);
      expect((await sb.cli(["list"], { env })).stderr).toMatch(/^could not check open files and working directories \(lsof failed: exit 2\)/m);

      const watch = await sb.cli(["watch", "--once", "--json"], { env });
      expect(watch.code, watch.stderr).toBe(0);
      const events = watch.stdout.trim().split("\n").map((line) => JSON.parse(line) as { kind: string; message: string });
      const told = events.filter((e) => e.kind === "unchecked");
      expect(told.map((e) => e.message).some((m) => FILES.test(m)), watch.stdout).toBe(true);
      // and it is in the record, for whoever reads the events later
      const recorded = (await sb.cli(["events", "--json"], { env })).stdout.trim().split("\n").map((line) => JSON.parse(line) as { kind: string });
      expect(recorded.filter((e) => e.kind === "unchecked").length).toBe(told.length);

      // the stray left the job's tree (setsid, its shell gone): only its marker says it is the job's, unreadable here
      const killed = await sb.cli(["kill", job.jobId, "--grace", "1s", "--json"], { env });
      expect(killed.code, killed.stderr).toBe(0);
      const report = killed.json<KillJson>();
      expect(report.unchecked).toContain(`the environment of pid ${stray} (sleep 900), which could be a stray of the job`);
      expect(isAlive(stray)).toBe(true);
      const said = (await sb.cli(["events", job.jobId], { env })).stdout;
      expect(said).toMatch(new RegExp(`not checked: .*the environment of pid ${stray} \\(sleep 900\\)`));
    } finally {
      if (commandOf(stray).trim() === "sleep 900") process.kill(stray, "SIGKILL");
    }
  });
});
