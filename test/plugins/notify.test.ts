import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { runAction, sendReport } from "../../src/hooks/host.ts";
import { desktopArgv } from "../../plugins/notify/channels.ts";
import { deliver, notifyOptions } from "../../plugins/notify/index.ts";
import { reportPayload } from "../../plugins/notify/payload.ts";
import { actionRequest, load } from "../hooks/fixtures.ts";
import { killOwned, own, stillOwned } from "../support/owned.ts";

const dir = mkdtempSync(join(tmpdir(), "cs-notify-"));
// Shell syntax that would create files if anything on the way ran it through a shell.
const HOSTILE = `job done $(touch ${dir}/dollar) \`touch ${dir}/backtick\`; touch ${dir}/semicolon | 'quoted' "double" && \\ \n second line`;
const trapsSprung = () => ["dollar", "backtick", "semicolon"].filter((f) => existsSync(join(dir, f)));

const received: Array<{ contentType: string | null; body: string }> = [];
let status = 200;
let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      received.push({ contentType: req.headers.get("content-type"), body: await req.text() });
      return new Response("ok", { status });
    },
  });
});
afterEach(() => { received.length = 0; status = 200; });
afterAll(async () => { await server.stop(true); rmSync(dir, { recursive: true, force: true }); });

const hookUrl = () => `http://127.0.0.1:${server.port}/hook`;

describe("notify webhook", () => {
  test("POSTs the event as JSON with the message byte for byte, and only the documented fields", async () => {
    const plugins = await load([["notify", { webhook: hookUrl() }]]);
    const outcome = await Effect.runPromise(runAction(plugins, "notify", actionRequest({ message: HOSTILE })));
    expect(outcome.result).toEqual({ done: true, message: "sent to 1 of 1 channel(s)" });
    expect(received).toHaveLength(1);
    expect(received[0]!.contentType).toBe("application/json");
    const body = JSON.parse(received[0]!.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      "action", "at", "cwd", "durationMs", "endState", "exitCode", "jobId", "killReason", "killedBy", "kind", "lastAgentMessage", "message", "name",
      "pid", "policy", "threadId", "tokens", "tracked",
    ]);
    expect(body).toMatchObject({ message: HOSTILE, pid: 4242, policy: "max-runtime", action: "notify", cwd: "/work/project", name: "nightly $(touch x)", kind: "exec", tracked: true });
    expect(received[0]!.body).not.toContain("sk-");
    expect(trapsSprung()).toEqual([]);
  });

  test("a webhook that answers 500 leaves the action not done, without repeating the URL", async () => {
    status = 500;
    const plugins = await load([["notify", { webhook: hookUrl() }]]);
    const { result } = await Effect.runPromise(runAction(plugins, "notify", actionRequest()));
    expect(result).toEqual({ done: false, message: "sent to 0 of 1 channel(s); webhook answered 500" });
    expect(result.message).not.toContain(String(server.port));
  });

  test("the scheduled report goes through the same channels", async () => {
    const plugins = await load([["notify", { webhook: hookUrl() }]]);
    expect(await Effect.runPromise(sendReport(plugins, "report: 3 job(s) in the last 24h"))).toEqual([]);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ action: "report", message: "report: 3 job(s) in the last 24h", jobId: null });
  });
});

describe("notify command", () => {
  test("runs argv without a shell: the payload arrives on stdin and in CODEX_SUPERVISOR_EVENT_*, unchanged, and runs nothing", async () => {
    const out = join(dir, "stdin.json");
    const plugins = await load([["notify", { command: ["sh", "-c", `cat > "$0"; env > "$0.env"`, out] }]]);
    const outcome = await Effect.runPromise(runAction(plugins, "notify", actionRequest({ message: HOSTILE })));
    expect(outcome.result.done).toBe(true);
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ message: HOSTILE, pid: 4242, policy: "max-runtime" });
    const env = readFileSync(`${out}.env`, "utf8");
    expect(env).toContain("CODEX_SUPERVISOR_EVENT_POLICY=max-runtime\n");
    expect(env).not.toContain("CODEX_SUPERVISOR_EVENT_JOB_ID"); // null fields are left out: this subject has no job record
    expect(env).toContain(`CODEX_SUPERVISOR_EVENT_MESSAGE=${HOSTILE}\n`);
    expect(trapsSprung()).toEqual([]);
  });

  test("keeps secret-looking variables out of the command's environment", async () => {
    const out = join(dir, "secret.json");
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", OUT_FILE: out, OPENAI_API_KEY: "sk-canary-notify", GITHUB_TOKEN: "ghp-canary" };
    const result = await deliver(notifyOptions.parse({ command: ["sh", "-c", `cat > "$OUT_FILE"; env > "$OUT_FILE.env"`] }), reportPayload("hi", 0), env);
    expect(result).toEqual({ tried: 1, failures: [] });
    const seen = readFileSync(`${out}.env`, "utf8");
    expect(seen).toContain(`OUT_FILE=${out}`);
    expect(seen).not.toContain("canary");
  });

  test("a failing command leaves the action not done, saying why", async () => {
    const plugins = await load([["notify", { command: ["sh", "-c", "echo no route >&2; exit 3"] }]]);
    const { result } = await Effect.runPromise(runAction(plugins, "notify", actionRequest()));
    expect(result).toEqual({ done: false, message: "sent to 0 of 1 channel(s); sh exited with code 3: no route" });
  });

  test("a command past its timeout is killed with everything it started", async () => {
    const pidFile = join(dir, "sleeper.pid");
    const options = notifyOptions.parse({ command: ["sh", "-c", `sleep 30 & echo $! > "$0"; wait`, pidFile], timeout: "300ms" });
    const result = await deliver(options, reportPayload("hi", 0));
    expect(result.failures).toEqual(["sh timed out after 300 ms"]);
    const sleeper = Number(readFileSync(pidFile, "utf8"));
    // remembered only while that PID is still the sleep the command started (once it is gone, the PID may be anyone's)
    const args = Bun.spawnSync(["ps", "-o", "args=", "-p", String(sleeper)]).stdout.toString().trim();
    const left = args === "sleep 30" ? own(sleeper) : undefined;
    try {
      for (let i = 0; i < 40 && stillOwned(left); i++) await Bun.sleep(25);
      expect(stillOwned(left)).toBe(false);
    } finally {
      killOwned([left]);
    }
  });
});

describe("notify desktop", () => {
  test("without notify-send the action is not done and says what is missing", async () => {
    const result = await deliver(notifyOptions.parse({ desktop: true }), reportPayload("hi", 0), { PATH: dir });
    expect(result.failures).toEqual(["desktop: notify-send not found on PATH (install libnotify-bin or libnotify)"]);
  });

  test("passes title and message as argv items, never as script or options", () => {
    expect(desktopArgv("linux", "codex-supervisor: p", "-v $(x)", () => "/usr/bin/notify-send")).toEqual(["notify-send", "--", "codex-supervisor: p", "-v $(x)"]);
    expect(desktopArgv("darwin", "T", `" & do shell script "touch x`, () => null)).toEqual([
      "osascript", "-e", "on run argv", "-e", "display notification (item 1 of argv) with title (item 2 of argv)", "-e", "end run",
      `" & do shell script "touch x`, "T",
    ]);
  });

  test("with no channel configured the action is not done and says so", async () => {
    const { result } = await Effect.runPromise(runAction(await load([]), "notify", actionRequest()));
    expect(result).toEqual({ done: false, message: "no channel configured (set desktop, webhook or command in the notify plugin's options)" });
  });
});
