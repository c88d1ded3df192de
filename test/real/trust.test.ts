/**
 * Issue 29: a project's config runs only once its owner trusted it. Three projects whose config
 * would run code the moment it is loaded (a TS config writing a marker at import, a JSON config
 * naming a plugin file writing a marker, a JSON config with a notify command writing a marker),
 * each with a real Codex job in it: nothing the supervisor does there creates a marker until
 * `trust`; then the project's max-runtime policy applies; an edit stops it until trusted again;
 * and a file another user owns, or anyone can write, is refused whatever the record says.
 */
import { appendFileSync, chmodSync, chownSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, REPO, type Sandbox, waitFor } from "./support/harness.ts";

interface JobJson { jobId: string; pid: number; status: string }
interface EventJson { kind: string; jobId: string | null; policy: string | null; message: string }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
let sb: Sandbox;
let ts: string;
let json: string;
let notify: string;
const markers = { ts: "", plugin: "", notify: "" };

beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, watchdog: { interval: "200ms" } });
  ts = sb.project("ts-project");
  json = sb.project("json-project");
  notify = sb.project("notify-project");
  markers.ts = join(sb.root, "marker-ts");
  markers.plugin = join(sb.root, "marker-plugin");
  markers.notify = join(sb.root, "marker-notify");
  // each appends its process id, CODEX_HOME and arguments: which process ran it, and how many times
  writeFileSync(join(ts, "codex-supervisor.config.ts"), [
    `import { appendFileSync } from "node:fs";`,
    `appendFileSync(${JSON.stringify(markers.ts)}, process.pid + " " + process.env.CODEX_HOME + " " + process.argv.slice(2).join(" ") + "\\n");`,
    `export default { policies: [{ name: "ts-max-runtime", when: { runtimeOver: "1s" }, do: ["kill"] }] };`,
  ].join("\n"));
  writeFileSync(join(json, "marking.ts"), [
    `import { appendFileSync } from "node:fs";`,
    `appendFileSync(${JSON.stringify(markers.plugin)}, process.pid + " " + process.env.CODEX_HOME + " " + process.argv.slice(2).join(" ") + "\\n");`,
    `export default { name: "marking" };`,
  ].join("\n"));
  writeFileSync(join(json, ".codex-supervisorrc.json"), JSON.stringify({
    plugins: ["./marking.ts"],
    policies: [{ name: "json-max-runtime", when: { runtimeOver: "1s" }, do: ["kill"] }],
  }));
  writeFileSync(join(notify, ".codex-supervisorrc.json"), JSON.stringify({
    plugins: [["notify", { command: ["sh", "-c", `echo "$$ $CODEX_HOME" >> ${markers.notify}`] }]],
    policies: [{ name: "tell", when: { runtimeOver: "1s" }, do: ["notify"] }],
  }));
});
afterAll(async () => {
  // a figure, not a test: what other processes on this machine (not this sandbox's) did with these files
  for (const file of Object.values(markers)) {
    const foreign = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter((line) => !line.includes(` ${sb.codexHome}`)) : [];
    if (foreign.length > 0) console.info(`trust: ${file} was run by processes outside this sandbox:\n${foreign.join("\n")}`);
  }
  await sb.cleanup();
});

const start = async (cwd: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: "STALL: 300", cwd });
  expect(r.code, r.stderr).toBe(0);
  return { job: r.json<JobJson>(), stderr: r.stderr };
};
const status = async (id: string) => (await sb.cli(["status", id, "--json"])).json<JobJson>();
const events = async () =>
  (await sb.cli(["events", "--json", "--limit", "5000"])).stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as EventJson);
const untrustedEvents = async (file: string) => (await events()).filter((e) => e.kind === "config-untrusted" && e.message.includes(file));
/**
 * The pids of this sandbox's processes (its CODEX_HOME) that ran a marker's code. Other test
 * files' watchdogs on this machine judge our Codex processes too, and one from before this fix
 * runs the file: measured while writing this test. What they do is not this sandbox's code.
 */
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [])
  .map((line) => line.split(" ")).filter(([, home]) => home === sb.codexHome).map(([pid]) => pid!);
const noMarkers = () => expect({ ts: lines(markers.ts), plugin: lines(markers.plugin), notify: lines(markers.notify) }).toEqual({ ts: [], plugin: [], notify: [] });

/** A running `watch` with --trace: its ticks can be counted from its stderr. */
const runningWatch = () => {
  const watch = Bun.spawn([process.execPath, join(REPO, "bin/codex-supervisor.ts"), "watch", "--trace", "--cwd", sb.root], {
    cwd: sb.root, env: sb.env, stdin: "ignore", stdout: "ignore", stderr: "pipe",
  });
  let log = "";
  void (async () => { for await (const chunk of watch.stderr as ReadableStream<Uint8Array>) log += new TextDecoder().decode(chunk); })();
  return {
    watch,
    log: () => log,
    ticks: () => (log.match(/^tick \d+ /gm) ?? []).length,
    stop: async () => { watch.kill("SIGKILL"); await watch.exited; },
  };
};

const tsFile = () => join(ts, "codex-supervisor.config.ts");
const jsonFile = () => join(json, ".codex-supervisorrc.json");
const notifyFile = () => join(notify, ".codex-supervisorrc.json");

describe("untrusted project configs", () => {
  const jobs: Record<string, JobJson> = {};

  test("`start`, `list`, `status`, `config`, `doctor`, `watch --once`, a running `watch` and MCP codex_status run none of them", { timeout: 300_000 }, async () => {
    for (const [name, dir, file] of [["ts", ts, tsFile()], ["json", json, jsonFile()], ["notify", notify, notifyFile()]] as const) {
      const started = await start(dir);
      jobs[name] = started.job;
      // said once, with the command that applies it; the job starts on the global config
      expect(started.stderr.split(file).length - 1).toBe(1);
      expect(started.stderr).toContain(`is not applied (it was never trusted): run \`codex-supervisor trust ${dir}\` to apply it; going on with the global config`);
      const list = await sb.cli(["list", "--json"], { cwd: dir });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stderr.split(file).length - 1).toBe(1);
      const shown = await sb.cli(["status", started.job.jobId, "--json"], { cwd: dir });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stderr.split(file).length - 1).toBe(1);
      const config = await sb.cli(["config", "--cwd", dir, "--json"]);
      expect(config.json<{ files: string[]; notApplied: unknown }>()).toMatchObject({
        files: [join(sb.env.XDG_CONFIG_HOME!, "codex-supervisor", "config.json")],
        notApplied: { file, reason: "it was never trusted", fix: `codex-supervisor trust ${dir}` },
      });
      expect((await sb.cli(["config", "--cwd", dir])).stdout).toContain(`untrusted: project config ${file} is not applied (it was never trusted): run \`codex-supervisor trust ${dir}\``);
      if (name === "ts") { // doctor is slow (it runs login shells): once is enough
        const doctor = await sb.cli(["doctor", "--cwd", dir, "--json"]);
        const check = doctor.json<{ checks: Array<{ id: string; status: string; detail: string; fix?: string }> }>().checks.find((c) => c.id === "config");
        expect(check).toMatchObject({ status: "warn", fix: `if you trust what ${file} runs, run \`codex-supervisor trust ${dir}\`` });
      }
    }
    noMarkers();

    const once = await sb.cli(["watch", "--once", "--cwd", sb.root]);
    expect(once.code, once.stderr).toBe(0);
    for (const [dir, file] of [[ts, tsFile()], [json, jsonFile()], [notify, notifyFile()]] as const) {
      const told = await untrustedEvents(file);
      expect(told.map((e) => e.message)).toEqual([
        `untrusted project config ${file} (it was never trusted): run \`codex-supervisor trust ${dir}\` to apply it; processes there get the global config`,
      ]);
      expect(once.stderr).toContain(told[0]!.message);
    }
    noMarkers();

    const transport = new StdioClientTransport({ command: process.execPath, args: [join(REPO, "bin/codex-supervisor.ts"), "mcp"], cwd: sb.root, env: sb.env, stderr: "pipe" });
    const client = new Client({ name: "trust-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      for (const dir of [ts, json, notify]) {
        const r = await client.callTool({ name: "codex_status", arguments: { cwd: dir } }) as { isError?: boolean };
        expect(r.isError ?? false).toBe(false);
      }
      // codex_start starts on the global config, says so, and trusts nothing itself
      const started = await client.callTool({ name: "codex_start", arguments: { prompt: "STALL: 300", cwd: ts } }) as unknown as {
        isError?: boolean; content: Array<{ text?: string }>; structuredContent: { jobId: string; configNotApplied: unknown };
      };
      expect(started.isError ?? false, started.content[0]?.text).toBe(false);
      expect(started.content[0]?.text).toContain(`config  project config ${tsFile()} is not applied (it was never trusted): run \`codex-supervisor trust ${ts}\` to apply it; the job runs with the global config`);
      expect(started.structuredContent.configNotApplied).toEqual({ file: tsFile(), reason: "it was never trusted", fix: `codex-supervisor trust ${ts}` });
      expect((await sb.cli(["kill", started.structuredContent.jobId, "--grace", "200ms"])).code).toBe(0);
      expect((await sb.cli(["trust", "--list", "--json"])).json<{ files: unknown[] }>().files).toEqual([]);
    } finally {
      await client.close();
    }
    noMarkers();

    // a running watchdog: the projects' 1 s max-runtime (the jobs ran longer already) would have fired at its first tick
    const w = runningWatch();
    try {
      await waitFor("10 ticks of the running watchdog", () => w.ticks() >= 10 || undefined, 120_000);
    } finally {
      await w.stop();
    }
    noMarkers();
    for (const job of Object.values(jobs)) expect((await status(job.jobId)).status).toBe("running");
    // one event per file and change, not one per tick or per watchdog... each watchdog says it once
    for (const file of [tsFile(), jsonFile(), notifyFile()]) expect(await untrustedEvents(file)).toHaveLength(2);
    expect((await events()).filter((e) => e.kind === "decision")).toEqual([]);
  });

  test("after `trust`, each project's policy applies: the jobs are killed by max-runtime, the notify command runs, each marker's code ran once per process", { timeout: 180_000 }, async () => {
    const trustTs = await sb.cli(["trust", ts]);
    expect(trustTs.code, trustTs.stderr).toBe(0);
    expect(trustTs.stdout).toContain(`trusted ${tsFile()}`);
    const trustJson = await sb.cli(["trust", "--json"], { cwd: json });
    expect(trustJson.json()).toEqual({ trusted: jsonFile(), pluginFiles: [join(json, "marking.ts")] });
    expect((await sb.cli(["trust", notify])).code).toBe(0);
    expect(lines(markers.plugin)).toEqual([]); // trusting a JSON config imports no plugin
    expect(lines(markers.ts)).toHaveLength(1); // trusting a TS config runs it: that is what trusting means
    const listed = (await sb.cli(["trust", "--list", "--json"])).json<{ files: Array<{ file: string; state: string }> }>();
    expect(listed.files.map((f) => [f.file, f.state]).sort()).toEqual([[jsonFile(), "trusted"], [notifyFile(), "trusted"], [tsFile(), "trusted"]].sort());

    const w = runningWatch();
    try {
      await waitFor("the TS project's job killed", async () => (await status(jobs.ts!.jobId)).status === "killed" || undefined, 90_000);
      await waitFor("the JSON project's job killed", async () => (await status(jobs.json!.jobId)).status === "killed" || undefined, 90_000);
      await waitFor("the notify command's marker", () => lines(markers.notify).length > 0 || undefined);
    } finally {
      await w.stop();
    }
    const decisions = (await events()).filter((e) => e.kind === "decision").map((e) => `${e.jobId}:${e.policy}`);
    expect(decisions).toEqual(expect.arrayContaining([`${jobs.ts!.jobId}:ts-max-runtime`, `${jobs.json!.jobId}:json-max-runtime`]));
    expect((await status(jobs.notify!.jobId)).status).toBe("running"); // notify only
    // the watchdog imported each once, however many ticks it ran
    expect(lines(markers.ts).filter((pid) => pid === String(w.watch.pid))).toHaveLength(1);
    expect(lines(markers.plugin).filter((pid) => pid === String(w.watch.pid))).toHaveLength(1);
    expect(new Set(lines(markers.ts)).size).toBe(lines(markers.ts).length);
    await sb.cli(["kill", jobs.notify!.jobId, "--grace", "200ms"]);
  });

  test("an edit stops the policy applying until trusted again", { timeout: 180_000 }, async () => {
    appendFileSync(tsFile(), "\n// an edit\n");
    const before = lines(markers.ts).length;
    const { job, stderr } = await start(ts);
    expect(stderr).toContain(`(it was edited since it was trusted): run \`codex-supervisor trust ${ts}\``);
    const w = runningWatch();
    try {
      await waitFor("the edit reported", async () => (await untrustedEvents(tsFile())).find((e) => e.message.includes("edited since it was trusted")));
      const seen = w.ticks();
      await waitFor("10 ticks after it", () => w.ticks() >= seen + 10 || undefined, 120_000);
      expect((await status(job.jobId)).status).toBe("running");
      expect(lines(markers.ts)).toHaveLength(before); // the edited file never ran
      expect((await sb.cli(["trust", ts])).code).toBe(0);
      await waitFor("the job killed once trusted again", async () => (await status(job.jobId)).status === "killed" || undefined, 90_000);
    } finally {
      await w.stop();
    }
    expect(lines(markers.ts).filter((pid) => pid === String(w.watch.pid))).toHaveLength(1);
  });

  test("an edit to a trusted config's plugin file stops it applying too", { timeout: 120_000 }, async () => {
    appendFileSync(join(json, "marking.ts"), "\n// an edit\n");
    const before = lines(markers.plugin).length;
    const { job } = await start(json); // the watchdog looks at the configs of folders a Codex runs in
    const r = await sb.cli(["config", "--cwd", json, "--json"]);
    expect(r.json<{ notApplied: { reason: string } }>().notApplied.reason).toBe(`its plugin file ${join(json, "marking.ts")} was edited since it was trusted`);
    const once = await sb.cli(["watch", "--once", "--cwd", sb.root]);
    expect(once.stderr).toContain(`untrusted project config ${jsonFile()} (its plugin file ${join(json, "marking.ts")} was edited since it was trusted)`);
    expect(lines(markers.plugin)).toHaveLength(before);
    expect((await status(job.jobId)).status).toBe("running");
    await sb.cli(["kill", job.jobId, "--grace", "200ms"]);
  });
});

test("`start --trust` trusts the folder's config and starts on it in one step", { timeout: 120_000 }, async () => {
  const dir = sb.project("start-trust");
  const file = join(dir, ".codex-supervisorrc.json");
  writeFileSync(file, JSON.stringify({ codex: { args: EXEC_ARGS }, policies: [{ name: "long", when: { runtimeOver: "1h" }, do: ["kill"] }] }));
  const r = await sb.cli(["start", "--trust", "--json", "--cwd", dir, "-"], { stdin: "REPLY: done", cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe(`codex-supervisor: trusted ${file}\n`); // and no "not applied" notice
  const listed = (await sb.cli(["trust", "--list", "--json"])).json<{ files: Array<{ file: string; state: string }> }>();
  expect(listed.files).toContainEqual(expect.objectContaining({ file, state: "trusted" }));
  expect((await sb.cli(["config", "--cwd", dir, "--json"])).json<{ files: string[] }>().files).toContain(file);
});

describe.runIf(process.getuid?.() === 0)("a file others own or can write is refused even when trusted", () => {
  test("owned by another user: not loaded, and the event says why", { timeout: 120_000 }, async () => {
    expect((await sb.cli(["trust", notify])).code).toBe(0);
    const before = lines(markers.notify);
    chownSync(notifyFile(), 65534, 65534);
    const { job } = await start(notify);
    try {
      const r = await sb.cli(["config", "--cwd", notify, "--json"]);
      expect(r.json<{ notApplied: { reason: string; fix: string | null } }>().notApplied).toEqual({
        reason: `refusing to load ${notifyFile()}: its file ${notifyFile()} belongs to uid 65534, not to you or root`, file: notifyFile(), fix: null,
      });
      const once = await sb.cli(["watch", "--once", "--cwd", sb.root]);
      expect(once.stderr).toContain(`project config ${notifyFile()} not loaded: refusing to load ${notifyFile()}: its file ${notifyFile()} belongs to uid 65534`);
      expect((await sb.cli(["trust", notify])).code).toBe(2);
      expect(lines(markers.notify)).toEqual(before);
    } finally {
      chownSync(notifyFile(), 0, 0);
      await sb.cli(["kill", job.jobId, "--grace", "200ms"]);
    }
  });

  test("writable by others: not loaded", { timeout: 120_000 }, async () => {
    expect((await sb.cli(["trust", notify])).code).toBe(0);
    chmodSync(notifyFile(), 0o666);
    const r = await sb.cli(["list"], { cwd: notify });
    expect(r.stderr).toContain(`project config ${notifyFile()} is not applied (refusing to load ${notifyFile()}: its file ${notifyFile()} is writable by others (mode 666; chmod go-w it)); going on with the global config`);
    chmodSync(notifyFile(), 0o644);
    expect((await sb.cli(["list"], { cwd: notify })).stderr).toBe("");
  });
});
