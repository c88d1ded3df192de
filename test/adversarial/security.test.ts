/**
 * Security:
 * - the state directory is 0700 and the database with its -wal and -shm 0600, even under umask 000
 *   and over a directory and database someone left open;
 * - a canary OPENAI_API_KEY given to a real Codex job never reaches the database, `logs`, `status`,
 *   `list`, `events`, a webhook, a notify command, Codex's history, or any process's command line;
 * - job names, prompts and messages full of shell syntax pass through notify's webhook and command
 *   unchanged and run nothing;
 * - a plugin another user could rewrite is refused, and never imported; a safe one is imported once, by the
 *   command that starts the job, and never by another supervisor's watchdog that sees the job's folder.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, type Sandbox } from "../real/support/harness.ts";
import { CLI, looksLikeCrash, runCli } from "./support/cli.ts";
import { writeFakeCodex } from "./support/fakeCodex.ts";
import { figures } from "./support/figures.ts";
import { otherUser } from "./support/otherUser.ts";
import { processKeeper, until } from "./support/procs.ts";
import { worldEnv as supervisorEnv } from "./support/world.ts";
import { trustAsIs } from "../support/trust.ts";

const dir = mkdtempSync(join(tmpdir(), "cs-security-"));
const keeper = processKeeper(`security-${crypto.randomUUID()}`);
const fakeCodex = writeFakeCodex(join(dir, "bin"));
const fig = figures("security", {
  modesChecked: 0, badModes: 0, canaryPlacesChecked: 0, canaryLeaks: 0, commandLinesScanned: 0,
  hostileValues: 0, alteredInTransit: 0, trapsSprung: 0, unsafePluginsRefused: 0, unsafePluginsLoaded: 0,
});
const worldEnv = (root: string, extra: Record<string, string> = {}) => supervisorEnv(keeper, root, fakeCodex, extra);
const writeConfig = (root: string, config: unknown) => {
  mkdirSync(join(root, "xdg-config", "codex-supervisor"), { recursive: true });
  writeFileSync(join(root, "xdg-config", "codex-supervisor", "config.json"), JSON.stringify(config));
};

// A webhook receiver for the whole file.
const hooks: string[] = [];
let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (req) => { hooks.push(await req.text()); return new Response("ok"); } });
});
afterEach(async () => { await keeper.cleanup(); });
afterAll(async () => {
  await keeper.cleanup();
  await server.stop(true);
  const v = fig.values;
  fig.write(`${v.modesChecked} modes checked, ${v.badModes} wrong; canary checked in ${v.canaryPlacesChecked} places and ${v.commandLinesScanned} command lines, ${v.canaryLeaks} leaks; ` +
    `${v.hostileValues} hostile values through webhook and command, ${v.alteredInTransit} altered, ${v.trapsSprung} traps sprung; ` +
    `${v.unsafePluginsRefused} unsafe plugins refused, ${v.unsafePluginsLoaded} loaded`);
  rmSync(dir, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;
/**
 * The notify command the tests give: it keeps its stdin and environment in `$0.stdin` and `$0.env`,
 * each written whole and then renamed, so once `$0.env` exists both are complete.
 */
const NOTIFY_SCRIPT = `cat > "$0.stdin.part" && mv "$0.stdin.part" "$0.stdin" && env > "$0.env.part" && mv "$0.env.part" "$0.env"`;

describe("file modes", () => {
  test("under umask 000 and over a state directory and database left open to all: 0700 and 0600, -wal and -shm too", async () => {
    const root = join(dir, "modes");
    const env = worldEnv(root);
    delete env.CODEX_SUPERVISOR_DB; // the default place: <XDG_STATE_HOME>/codex-supervisor/supervisor.db
    const stateDir = join(root, "xdg-state", "codex-supervisor");
    const db = join(stateDir, "supervisor.db");
    mkdirSync(join(root, "project"), { recursive: true });
    writeConfig(root, { watchdog: { interval: "100ms" } });
    const umask0 = ["bash", "-c", `umask 000; exec "$@"`, "umask0"];
    const check = (what: string, path: string, want: number) => {
      fig.add("modesChecked");
      const mode = existsSync(path) ? modeOf(path) : -1;
      if (mode !== want) fig.add("badModes");
      return `${what} ${mode === -1 ? "missing" : mode.toString(8)}`;
    };
    // fresh, under umask 000, while a watchdog holds the database open (so -wal and -shm exist)
    const started = await runCli(["start", "--cwd", join(root, "project"), "SLEEP 20"], env, { cwd: root, prefix: umask0 });
    expect(started.code, started.stderr).toBe(0);
    const watch = Bun.spawn([...umask0, process.execPath, CLI, "watch", "--cwd", root], { cwd: root, env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      await until("-wal and -shm", () => existsSync(`${db}-wal`) && existsSync(`${db}-shm`) || undefined);
      await Bun.sleep(300);
      expect([check("dir", stateDir, 0o700), check("db", db, 0o600), check("wal", `${db}-wal`, 0o600), check("shm", `${db}-shm`, 0o600)])
        .toEqual(["dir 700", "db 600", "wal 600", "shm 600"]);
    } finally {
      watch.kill("SIGTERM");
      await watch.exited;
    }
    // someone opened them all up: the next command takes the permissions back
    chmodSync(stateDir, 0o777);
    chmodSync(db, 0o666);
    expect((await runCli(["list"], env, { cwd: root, prefix: umask0 })).code).toBe(0);
    expect([check("dir", stateDir, 0o700), check("db", db, 0o600)]).toEqual(["dir 700", "db 600"]);
  });
});

describe("a canary API key", () => {
  let sb: Sandbox;
  const CANARY = `sk-canary-${crypto.randomUUID().replaceAll("-", "")}`;
  const commandOut = join(dir, "canary-command");
  beforeAll(() => {
    sb = createSandbox();
    sb.writeGlobalConfig({
      codex: { args: ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"] },
      watchdog: { interval: "200ms" },
      plugins: [["notify", { webhook: `http://127.0.0.1:${server.port}/canary`, command: ["/bin/sh", "-c", NOTIFY_SCRIPT, commandOut] }]],
      policies: [{ name: "announce", when: { runtimeOver: "1ms" }, do: ["notify"] }],
    });
  });
  afterAll(async () => { await sb.cleanup(); });

  test("given to a real Codex job, it shows nowhere but in Codex's own environment", async () => {
    hooks.length = 0;
    // every command line on the machine, sampled all through the job's life
    let scanning = true;
    const leaks: string[] = [];
    const scanner = (async () => {
      while (scanning) {
        for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
          try {
            if (readFileSync(`/proc/${pid}/cmdline`, "latin1").includes(CANARY)) leaks.push(`command line of pid ${pid}`);
            fig.add("commandLinesScanned");
          } catch { /* gone */ }
        }
        await Bun.sleep(20);
      }
    })();
    const watch = sb.spawnWatch(["--cwd", sb.root, "--trace"]);
    let jobId = "";
    try {
      // the job lasts a few seconds: the watchdog is looking before it starts, however slowly it came up
      const reader = (watch.stderr as ReadableStream<Uint8Array>).getReader();
      for (let said = ""; !/^tick 1 /m.test(said);) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`watch ended before its first tick:\n${said}`);
        said += new TextDecoder().decode(value);
      }
      void (async () => { while (!(await reader.read()).done) { /* drained: a full pipe would stall it */ } })();
      const r = await sb.cli(["start", "--json", "--name", "canary", "--cwd", sb.project("canary"), "-"], {
        stdin: "RUN: env; echo listed-$((6*7)); sleep 1\nREPLY: finished",
        env: { OPENAI_API_KEY: CANARY },
      });
      expect(r.code, r.stderr).toBe(0);
      const job = r.json<{ jobId: string; pid: number }>();
      jobId = job.jobId;
      expect(readFileSync(`/proc/${job.pid}/environ`, "latin1")).toContain(CANARY); // Codex itself has it: the test is live
      for (let i = 0; i < 200; i++) {
        const s = (await sb.cli(["status", jobId, "--json"])).json<{ status: string }>();
        if (s.status !== "running" && hooks.length > 0 && existsSync(`${commandOut}.env`)) break;
        await Bun.sleep(100);
      }
    } finally {
      watch.kill("SIGTERM");
      await watch.exited;
      scanning = false;
      await scanner;
    }
    const places: Array<[string, string]> = [];
    for (const args of [["logs", jobId], ["logs", jobId, "--json"], ["status", jobId, "--json"], ["list", "--all", "--json"], ["events", "--json", "--limit", "1000"]]) {
      const res = await sb.cli(args);
      expect(res.code, res.stderr).toBe(0);
      places.push([args.slice(0, 2).join(" ").replace(jobId, "JOB"), res.stdout + res.stderr]);
    }
    const logs = places[0]![1];
    expect(logs).toContain("listed-42"); // the tool's `env` ran and its output is in the logs
    for (const suffix of ["", "-wal", "-shm"]) {
      if (existsSync(sb.dbPath + suffix)) places.push([`database${suffix}`, readFileSync(sb.dbPath + suffix, "latin1")]);
    }
    for (const file of readdirSync(join(sb.codexHome, "sessions"), { recursive: true }).map(String).filter((f) => f.endsWith(".jsonl"))) {
      places.push([`Codex history ${file.split("/").pop()}`, readFileSync(join(sb.codexHome, "sessions", file), "latin1")]);
    }
    expect(hooks.length).toBeGreaterThan(0);
    places.push(["webhook payloads", hooks.join("\n")]);
    places.push(["notify command stdin", readFileSync(`${commandOut}.stdin`, "latin1")]);
    places.push(["notify command environment", readFileSync(`${commandOut}.env`, "latin1")]);
    for (const [where, text] of places) {
      fig.add("canaryPlacesChecked");
      if (text.includes(CANARY)) leaks.push(where);
    }
    fig.add("canaryLeaks", leaks.length);
    expect(leaks).toEqual([]);
  });
});

describe("shell syntax in names, prompts and messages", () => {
  test("passes through notify's webhook and command byte for byte and runs nothing", async () => {
    const root = join(dir, "hostile");
    const traps = join(root, "traps");
    mkdirSync(traps, { recursive: true });
    mkdirSync(join(root, "project"), { recursive: true });
    const trap = (name: string) => join(traps, name);
    const name = `nightly $(touch ${trap("name-dollar")}) \`touch ${trap("name-backtick")}\`; touch ${trap("name-semicolon")} | rm -rf ${trap("x")} && echo "q'uo\\"te"`;
    const policy = `runtime; touch ${trap("policy-semicolon")} $(touch ${trap("policy-dollar")})`;
    const prompt = `SLEEP 20\n$(touch ${trap("prompt-dollar")}) \`touch ${trap("prompt-backtick")}\`; touch ${trap("prompt-semicolon")}\n'; exit 1; '`;
    const out = join(root, "command");
    writeConfig(root, {
      watchdog: { interval: "100ms" },
      plugins: [["notify", { webhook: `http://127.0.0.1:${server.port}/hostile`, command: ["/bin/sh", "-c", NOTIFY_SCRIPT, out] }]],
      policies: [{ name: policy, when: { runtimeOver: "1ms" }, do: ["notify"] }],
    });
    hooks.length = 0;
    const env = worldEnv(root, { FAKE_CODEX_ECHO: join(root, "codex") });
    const started = await runCli(["start", "--json", "--name", name, "--cwd", join(root, "project"), "-"], env, { cwd: root, stdin: prompt });
    expect(started.code, started.stderr).toBe(0);
    const watch = Bun.spawn([process.execPath, CLI, "watch", "--cwd", root], { cwd: root, env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      await until("the webhook and the command", () => (hooks.length > 0 && existsSync(`${out}.env`) ? true : undefined), 20_000);
    } finally {
      watch.kill("SIGTERM");
      await watch.exited;
    }
    const body = JSON.parse(hooks[0]!) as { name: string; policy: string; message: string };
    const piped = JSON.parse(readFileSync(`${out}.stdin`, "utf8")) as { name: string; policy: string; message: string };
    const commandEnv = readFileSync(`${out}.env`, "utf8");
    const received = {
      webhookName: body.name, webhookPolicy: body.policy, webhookMessageHasName: body.message.includes(name),
      commandName: piped.name, commandPolicy: piped.policy, envName: commandEnv.includes(`CODEX_SUPERVISOR_EVENT_NAME=${name}\n`),
      prompt: readFileSync(join(root, "codex.prompt"), "utf8"),
    };
    const expected = {
      webhookName: name, webhookPolicy: policy, webhookMessageHasName: true,
      commandName: name, commandPolicy: policy, envName: true, prompt,
    };
    fig.add("hostileValues", Object.keys(expected).length);
    fig.add("alteredInTransit", Object.keys(expected).filter((k) => JSON.stringify(received[k as keyof typeof received]) !== JSON.stringify(expected[k as keyof typeof expected])).length);
    const sprung = readdirSync(traps);
    fig.add("trapsSprung", sprung.length);
    expect(received).toEqual(expected);
    expect(sprung).toEqual([]);
    expect(existsSync(join(root, "project", "x"))).toBe(false);
  });
});

describe("plugins others could rewrite", () => {
  test("a plugin file or directory writable by others, or owned by another user, is refused and never imported", async () => {
    const root = mkdtempSync(join(dir, "plugins-"));
    mkdirSync(join(root, "project"), { recursive: true });
    const imported = join(root, "imported");
    const plugin = (path: string) => {
      mkdirSync(join(path, ".."), { recursive: true });
      // each import says who made it (pid, parent, command), so a second import, should one happen, names its importer
      writeFileSync(path, `import { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(imported)}, [${JSON.stringify(path)}, process.pid, process.ppid, process.argv.slice(1).join(" ")].join("\\t") + "\\n");\nexport default { name: "p${crypto.randomUUID().slice(0, 6)}" };\n`);
      return path;
    };
    const user = otherUser();
    const cases: Array<{ what: string; path: string; says: RegExp }> = [];
    const worldWritableFile = plugin(join(root, "safe-dir", "open-file.ts"));
    chmodSync(join(root, "safe-dir"), 0o755);
    chmodSync(worldWritableFile, 0o666);
    cases.push({ what: "a file writable by others", path: worldWritableFile, says: /writable by others.*chmod go-w/ });
    const groupWritableFile = plugin(join(root, "safe-dir2", "group-file.ts"));
    chmodSync(join(root, "safe-dir2"), 0o755);
    chmodSync(groupWritableFile, 0o664);
    cases.push({ what: "a file writable by its group", path: groupWritableFile, says: /writable by others/ });
    const openDirFile = plugin(join(root, "open-dir", "plugin.ts"));
    chmodSync(join(root, "open-dir"), 0o777);
    cases.push({ what: "a directory writable by others", path: openDirFile, says: /directory .* is writable by others/ });
    const link = join(root, "safe-dir3", "link.ts");
    mkdirSync(join(root, "safe-dir3"), { mode: 0o755 });
    symlinkSync(worldWritableFile, link);
    cases.push({ what: "a safe-looking symlink to a file writable by others", path: link, says: /writable by others/ });
    if (user.ok) {
      const theirs = plugin(join(root, "safe-dir4", "theirs.ts"));
      chmodSync(join(root, "safe-dir4"), 0o755);
      execFileSync("chown", [`${user.uid}:${user.gid}`, theirs]);
      chmodSync(theirs, 0o644);
      cases.push({ what: `a file owned by another user (${user.name})`, path: theirs, says: /belongs to uid \d+, not to you or root/ });
    }
    const problems: string[] = [];
    for (const c of cases) {
      const project = join(root, "project");
      writeFileSync(join(project, ".codex-supervisorrc.json"), JSON.stringify({ plugins: [c.path] }));
      // trusted, plugin file and all: ownership refuses it whatever the trust record says
      trustAsIs([join(project, ".codex-supervisorrc.json")], { home: root, env: worldEnv(root) });
      const r = await runCli(["start", "--cwd", project, "SLEEP 20"], worldEnv(root), { cwd: project });
      const refused = r.code === 2 && c.says.test(r.stderr) && r.stderr.includes("plugins.0");
      if (refused) fig.add("unsafePluginsRefused");
      if (!refused || looksLikeCrash(r.stderr)) problems.push(`${c.what}: exit ${r.code}\n${r.stderr}`);
    }
    const importsSoFar = () => (existsSync(imported) ? readFileSync(imported, "utf8").trim().split("\n") : []);
    const loaded = importsSoFar();
    fig.add("unsafePluginsLoaded", loaded.length);
    expect(problems).toEqual([]);
    expect(loaded).toEqual([]);
    expect(keeper.liveJobs()).toEqual([]);
    // and the same plugin, once nobody else can write it, loads (the refusals above were about trust, not the file),
    // in the one process that starts the job. Another supervisor's watchdog on this machine (its own state and trust
    // record) looks at the job's folder all the while and must import nothing of it: it refuses the folder's config as
    // untrusted. Before project configs needed trust, such a watchdog imported the plugin too, which is what a full
    // suite run once showed here as "imported twice" (other test files' watchdogs see every Codex on the machine).
    const config = join(root, "project", ".codex-supervisorrc.json");
    const foreign = join(root, "foreign");
    writeConfig(foreign, { watchdog: { interval: "100ms" } });
    const watch = Bun.spawn([process.execPath, CLI, "watch", "--cwd", foreign], { cwd: foreign, env: worldEnv(foreign), stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    let foreignSaid = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of watch.stderr as ReadableStream<Uint8Array>) foreignSaid += decoder.decode(chunk, { stream: true });
    })();
    try {
      chmodSync(worldWritableFile, 0o644);
      writeFileSync(config, JSON.stringify({ plugins: [worldWritableFile] }));
      trustAsIs([config], { home: root, env: worldEnv(root) });
      const ok = await runCli(["start", "--cwd", join(root, "project"), "SLEEP 60"], worldEnv(root), { cwd: root });
      expect(ok.code, ok.stderr).toBe(0);
      // until the other watchdog has looked at the running job's folder (it names the config it did not apply), or imported
      await until("the other watchdog to refuse the job's folder config", () => foreignSaid.includes(`untrusted project config ${config} `) || importsSoFar().length > 1 || undefined, 30_000);
    } finally {
      watch.kill("SIGTERM");
      await watch.exited;
      await reading;
    }
    const imports = importsSoFar();
    const importers = `imported by (path, pid, ppid, command):\n${imports.join("\n")}\nthe other watchdog said:\n${foreignSaid}`;
    expect(imports.map((line) => line.split("\t")[0]), importers).toEqual([worldWritableFile]);
    expect(imports[0]!.split("\t")[3], importers).toMatch(/ start --cwd /);
  });
});
