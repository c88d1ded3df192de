/**
 * Bad input: a clear error, nothing lost, nothing crashed.
 *
 * - Malformed configs (support/badConfigs.ts): each error names the file and the key, as
 *   the CLI prints it; `start` exits 2 and launches nothing; a running watchdog reports each
 *   bad edit once and keeps acting on the last good config.
 * - History files truncated mid-line, full of binary garbage, with 10 MB lines, unknown
 *   record types, missing, or vanishing while read: `logs`, `status` and `watch` report and
 *   carry on.
 * - A corrupt, read-only or full database: a clear error, no job left running unrecorded,
 *   and `watch` neither crashes nor spins.
 */
import { Database } from "bun:sqlite";
import { execFileSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { Cause, Effect, Exit, Layer } from "effect";
import { TestClock } from "effect/testing";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { describe as describeError } from "../../src/app/text/messages.ts";
import { loadConfigEffect } from "../../src/config/load.ts";
import type { Job } from "../../src/core/job.ts";
import { loadPlugins } from "../../src/hooks/host.ts";
import { CodexHistory } from "../../src/services/CodexHistory.ts";
import { fakeWorld, fakeWorldLayer } from "../../src/services/FakeWorld.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { Watchdog } from "../../src/watchdog/loop.ts";
import { proc } from "../core/fixtures.ts";
import { BAD_CONFIGS, type BadConfig } from "./support/badConfigs.ts";
import { badHistories, FIXTURE } from "./support/badHistories.ts";
import { CLI, looksLikeCrash, runCli } from "./support/cli.ts";
import { writeFakeCodex } from "./support/fakeCodex.ts";
import { figures } from "./support/figures.ts";
import { otherUser } from "./support/otherUser.ts";
import { processKeeper, until } from "./support/procs.ts";
import { seeded } from "./support/random.ts";
import { trustAsIs } from "../support/trust.ts";
import { recordedJob } from "./support/realRun.ts";
import { worldEnv as supervisorEnv } from "./support/world.ts";

const dir = mkdtempSync(join(tmpdir(), "cs-badinput-"));
const keeper = processKeeper(`badinput-${crypto.randomUUID()}`);
const fakeCodex = writeFakeCodex(join(dir, "bin"));
const fig = figures("badInput", {
  configs: 0, namedFile: 0, namedKey: 0, keysExpected: 0, cliChecked: 0, launchedAnyway: 0, crashes: 0, watchdogKeptLastGood: 0,
  historyFiles: 0, historyRuns: 0, historyCrashes: 0, databaseCases: 0, databaseCrashes: 0, leftRunningUnrecorded: 0,
});
const worldEnv = (root: string) => supervisorEnv(keeper, root, fakeCodex);

afterEach(async () => { await keeper.cleanup(); });
afterAll(async () => {
  await keeper.cleanup();
  const v = fig.values;
  fig.write(`${v.configs} malformed configs: file named ${v.namedFile}/${v.configs}, key named ${v.namedKey}/${v.keysExpected}, ` +
    `${v.cliChecked} through \`start\` (launched anyway ${v.launchedAnyway}), crashes ${v.crashes}, watchdog kept its last good config ${v.watchdogKeptLastGood}/${v.configs}; ` +
    `${v.historyFiles} bad history files, ${v.historyRuns} logs/status/watch runs, crashes ${v.historyCrashes}; ` +
    `${v.databaseCases} bad-database cases, crashes ${v.databaseCrashes}, jobs left running unrecorded ${v.leftRunningUnrecorded}`);
  rmSync(dir, { recursive: true, force: true });
});

/** A project directory holding one bad config (and the modules it names). */
const projectWith = (bad: BadConfig, where: string): string => {
  mkdirSync(where, { recursive: true, mode: 0o700 });
  writeFileSync(join(where, bad.file), bad.content);
  for (const [name, text] of Object.entries(bad.modules ?? {})) writeFileSync(join(where, name), text);
  return where;
};

/** What a command loading this config (and its plugins, as `start` and `watch` do) tells the user. */
const configMessage = async (project: string, home: string): Promise<string> => {
  const exit = await Effect.runPromiseExit(Effect.gen(function* () {
    const loaded = yield* loadConfigEffect({ cwd: project, home, globalDir: join(home, "no-global-config"), env: worldEnv(home) });
    yield* loadPlugins(loaded.config.plugins, { configFile: loaded.files.at(-1), timeoutMs: loaded.config.watchdog.pluginTimeout });
  }));
  if (Exit.isSuccess(exit)) return "accepted";
  const error = Cause.findErrorOption(exit.cause);
  return error._tag === "Some" ? describeError(error.value).message : `crash: ${Cause.pretty(exit.cause)}`;
};

describe("malformed configs", () => {
  test(`${BAD_CONFIGS.length} malformed configs: each names the file and the key; \`start\` exits 2 and launches nothing`, async () => {
    const problems: string[] = [];
    for (const [i, bad] of BAD_CONFIGS.entries()) {
      const root = join(dir, `config-${i}`);
      const project = projectWith(bad, join(root, "project"));
      // trusted as written (a trusted file can still fail to load: a helper it imports, a plugin module changed)
      trustAsIs([join(project, bad.file)], { home: root, env: worldEnv(root) });
      const message = await configMessage(project, root);
      const file = join(project, bad.file);
      const namesFile = message.includes(file);
      const namesKey = bad.key === undefined || message.includes(`${bad.key}:`);
      const says = bad.says === undefined || bad.says.test(message);
      fig.add("configs");
      if (namesFile) fig.add("namedFile");
      if (bad.key !== undefined) fig.add("keysExpected");
      if (bad.key !== undefined && namesKey) fig.add("namedKey");
      if (message.startsWith("crash")) fig.add("crashes");
      if (!namesFile || !namesKey || !says) problems.push(`${bad.name}: file ${namesFile}, key ${namesKey}, says ${says}:\n${message}`);
    }
    // Through the real door for those that import code (TS configs, plugin modules) and a sample of the rest.
    const viaCli = BAD_CONFIGS.flatMap((bad, i) => (bad.modules || bad.file.endsWith(".ts") || i % 10 === 0 ? [{ bad, i }] : []));
    while (viaCli.length > 0) {
      await Promise.all(viaCli.splice(0, 4).map(async ({ bad, i }) => {
        const root = join(dir, `config-${i}`);
        const project = join(root, "project");
        const r = await runCli(["start", "--cwd", project, "SLEEP 30"], worldEnv(root), { cwd: project });
        fig.add("cliChecked");
        const launched = (await Bun.file(join(root, "codex-home", "sessions")).exists()) || keeper.liveJobs().length > 0;
        if (launched) fig.add("launchedAnyway");
        if (looksLikeCrash(r.stderr)) fig.add("crashes");
        const ok = r.code === 2 && r.stderr.includes(join(project, bad.file)) && (bad.key === undefined || r.stderr.includes(`${bad.key}:`));
        if (!ok || launched || looksLikeCrash(r.stderr)) problems.push(`start with ${bad.name}: exit ${r.code}, launched ${launched}:\n${r.stderr}`);
      }));
    }
    expect(problems).toEqual([]);
  });

  test("a running watchdog reports each bad edit once and keeps acting on the last good config", async () => {
    // One job per case, each in a project of its own with a good config; then, one by one, every
    // project's config goes bad. Every job must keep firing its (repeating) heartbeat policy.
    const base = join(dir, "watched");
    mkdirSync(base, { recursive: true, mode: 0o700 });
    const calls: string[] = [];
    (globalThis as { __badInputCalls?: string[] }).__badInputCalls = calls;
    writeFileSync(join(base, "recorder.ts"), `export default { name: "recorder", actions: { record: ({ subject }) => { globalThis.__badInputCalls.push(subject.key); return { done: true }; } } };\n`);
    const good = JSON.stringify({ plugins: ["../recorder.ts"], policies: [{ name: "heartbeat", when: { runtimeOver: "1ms" }, do: ["record"], repeat: true }] });
    const world = fakeWorld();
    const jobs = BAD_CONFIGS.map((_, i): Job => {
      const project = join(base, `p${i}`);
      mkdirSync(project, { mode: 0o700 });
      writeFileSync(join(project, ".codex-supervisorrc.json"), good);
      trustAsIs([join(project, ".codex-supervisorrc.json")], { home: homedir(), env: { XDG_STATE_HOME: join(base, "state") } });
      const pid = 5000 + i;
      world.processes.set(pid, proc(pid, ["node", "/x/bin/codex.js", "exec", "-"], { uid: 1000, startTime: String(pid) }));
      return { ...recordedJob(`b0000000-0000-4000-8000-${String(i).padStart(12, "0")}`, { pid, startTime: String(pid), bootId: "fake-boot", uid: 1000 }), cwd: project };
    });
    const previousXdg = process.env.XDG_CONFIG_HOME;
    const previousState = process.env.XDG_STATE_HOME;
    process.env.XDG_CONFIG_HOME = join(base, "no-global-config");
    process.env.XDG_STATE_HOME = join(base, "state");
    const problems: string[] = [];
    try {
      await Effect.runPromise(Effect.gen(function* () {
        const store = yield* JobStore;
        yield* TestClock.setTime(Date.now());
        for (const job of jobs) yield* store.insert(job);
        yield* Effect.scoped(Effect.gen(function* () {
          const dog = yield* Watchdog;
          let ticks = 1;
          const untilTick = (n: number) => Effect.gen(function* () {
            while (dog.ticks() < n) yield* Effect.promise(() => new Promise<void>((r) => setImmediate(r)));
          });
          const tick = () => Effect.gen(function* () {
            yield* TestClock.adjust("5 seconds");
            yield* untilTick(++ticks);
          });
          yield* untilTick(1);
          // four projects go bad per tick
          const batches = [...BAD_CONFIGS.entries()].reduce<Array<Array<[number, BadConfig]>>>((acc, entry, n) => {
            if (n % 4 === 0) acc.push([]);
            acc.at(-1)!.push(entry);
            return acc;
          }, []);
          for (const batch of batches) {
            for (const [i, bad] of batch) {
              const project = jobs[i]!.cwd;
              rmSync(join(project, ".codex-supervisorrc.json"));
              projectWith(bad, project);
              utimesSync(join(project, bad.file), new Date(), new Date(Date.now() + i * 1000));
              // a trusted file that went bad (an untrusted edit is not loaded at all: see test/config/trust.test.ts)
              trustAsIs([join(project, bad.file)], { home: homedir(), env: { XDG_STATE_HOME: join(base, "state") } });
            }
            const seen = (yield* store.listEvents({})).length;
            const before = calls.length;
            yield* tick();
            const firedNow = new Set(calls.slice(before));
            const reports = (yield* store.listEvents({})).slice(seen).filter((e) => e.kind === "config-error").map((e) => e.message);
            for (const [i, bad] of batch) {
              const file = join(jobs[i]!.cwd, bad.file);
              const kept = firedNow.has(jobs[i]!.id);
              const reported = reports.some((m) => m.includes(file) && (bad.key === undefined || m.includes(bad.key)));
              if (kept) fig.add("watchdogKeptLastGood");
              if (!kept || !reported) problems.push(`${bad.name}: kept acting ${kept}, reported ${reported}: ${reports.filter((m) => m.includes(file)).join(" | ") || "no config-error event"}`);
            }
            if (firedNow.size !== jobs.length) problems.push(`only ${firedNow.size} of ${jobs.length} jobs judged in one tick`);
          }
          const seen = (yield* store.listEvents({})).length;
          yield* tick();
          const again = (yield* store.listEvents({})).slice(seen).filter((e) => e.kind === "config-error");
          if (again.length > 0) problems.push(`unchanged bad configs reported again: ${again.length}`);
        }).pipe(Effect.provide(Watchdog.layer({ cwd: base }))));
      }).pipe(Effect.provide(Layer.mergeAll(fakeWorldLayer(world), JobStore.layerTest, CodexHistory.layer, TestClock.layer()))));
    } finally {
      if (previousXdg === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = previousXdg;
      if (previousState === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = previousState;
    }
    expect(problems).toEqual([]);
    expect(world.signals).toEqual([]);
  });
});

describe("bad history files", () => {
  test("logs, status and watch report what is wrong with each and carry on", { timeout: 120_000 }, async () => {
    const root = join(dir, "history");
    const env = worldEnv(root);
    const day = join(root, "codex-home", "sessions", "2026", "11", "21");
    mkdirSync(day, { recursive: true });
    mkdirSync(join(root, "xdg-config"), { recursive: true });
    const files = badHistories(seeded(7));
    const ended: Array<{ name: string; id: string }> = [];
    const running: Job[] = [];
    const vanishing: string[] = [];
    for (const [i, [name, content]] of Object.entries(files).entries()) {
      const thread = `0${String(i).padStart(7, "0")}-0000-4000-8000-000000000000`;
      const path = join(day, `rollout-2026-11-21T04-36-41-${thread}.jsonl`);
      if (content === "directory") mkdirSync(path);
      else if (content === "vanishing") vanishing.push(path);
      else if (content !== "missing") writeFileSync(path, content);
      const id = crypto.randomUUID();
      const base = recordedJob(id, { pid: 999_999_999, startTime: "1", bootId: "old-boot", uid: 0 }, { threadId: thread, rolloutPath: path, codexHome: join(root, "codex-home"), cwd: root });
      ended.push({ name, id });
      running.push({ ...base, id: crypto.randomUUID(), launcher: keeper.spawnDetached(["sleep", "120"], keeper.env()) });
      await Effect.runPromise(Effect.gen(function* () {
        yield* (yield* JobStore).insert({ ...base, status: "completed", endedAt: Date.now() });
      }).pipe(Effect.provide(JobStore.layer(env.CODEX_SUPERVISOR_DB!))));
    }
    await Effect.runPromise(Effect.gen(function* () {
      const store = yield* JobStore;
      for (const job of running) yield* store.insert(job);
    }).pipe(Effect.provide(JobStore.layer(env.CODEX_SUPERVISOR_DB!))));
    fig.set("historyFiles", Object.keys(files).length);
    // the vanishing file: replaced, removed and written again as fast as a loop can, all through the run
    let churn = true;
    const r = (n: number) => (n * 7919) % FIXTURE.length;
    const churner = (async () => {
      for (let n = 0; churn; n++) {
        for (const path of vanishing) {
          if (n % 2 === 0) rmSync(path, { force: true });
          else writeFileSync(path, FIXTURE.slice(0, r(n)));
        }
        await Bun.sleep(0);
      }
    })();
    const problems: string[] = [];
    try {
      const runs = ended.flatMap(({ name, id }) => [["logs", id], ["logs", id, "--json", "--tail", "5"], ["status", id, "--json"]].map((args) => ({ name, args })));
      while (runs.length > 0) {
        await Promise.all(runs.splice(0, 4).map(async ({ name, args }) => {
          const res = await runCli(args, env, { cwd: root });
          fig.add("historyRuns");
          const crashed = looksLikeCrash(res.stderr) || res.signal !== null;
          if (crashed) fig.add("historyCrashes");
          // under --json the same message comes as one JSON error object (docs/json.md)
          const said = args.includes("--json") ? jsonErrorMessage(res.stderr) : res.stderr.replace(/^codex-supervisor: /, "");
          const clear = res.code === 0 || (res.code === 1 && /^(history|unsupported Codex history)/.test(said));
          const statusOk = args[0] !== "status" || res.code === 0;
          if (crashed || !clear || !statusOk) problems.push(`${args[0]} ${args.slice(2).join(" ")} on "${name}": exit ${res.code} ${res.signal ?? ""}\n${res.stderr.slice(0, 500)}`);
        }));
      }
      const watch = await runCli(["watch", "--once", "--cwd", root], env, { cwd: root });
      fig.add("historyRuns");
      if (watch.code !== 0 || looksLikeCrash(watch.stderr)) problems.push(`watch --once: exit ${watch.code}\n${watch.stderr.slice(0, 800)}`);
      const db = new Database(env.CODEX_SUPERVISOR_DB!, { readonly: true });
      const tickErrors = db.query<{ message: string }, []>("SELECT message FROM events WHERE kind = 'tick-error'").all();
      db.close();
      if (tickErrors.length > 0) problems.push(`watch recorded failed ticks: ${tickErrors.map((e) => e.message.slice(0, 300)).join(" | ")}`);
    } finally {
      churn = false;
      await churner;
    }
    expect(problems).toEqual([]);
  });
});

/** Bytes nobody would mistake for a database. */
const junk = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + 7) % 256));
/** The message of the one JSON error object a command prints on stderr under --json, or "" when it is not one. */
const jsonErrorMessage = (stderr: string): string => {
  try { return (JSON.parse(stderr) as { error?: { message?: string } }).error?.message ?? ""; } catch { return ""; }
};

const cpuMsOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const dbCase = (name: string, res: { code: number; stderr: string; signal?: string | null }, problems: string[], expect: { code: number; says: RegExp }) => {
  fig.add("databaseCases");
  const crashed = looksLikeCrash(res.stderr) || (res.signal ?? null) !== null;
  if (crashed) fig.add("databaseCrashes");
  if (crashed || res.code !== expect.code || !expect.says.test(res.stderr)) problems.push(`${name}: exit ${res.code}${res.signal ? ` (${res.signal})` : ""}\n${res.stderr.slice(0, 600)}`);
};
const noneLeft = (problems: string[], what: string) => {
  const left = keeper.liveJobs();
  fig.add("leftRunningUnrecorded", left.length);
  if (left.length > 0) problems.push(`${what}: ${left.length} job process(es) left running with no record`);
};

describe("a bad database", () => {
  test("a corrupt database: every command says so and names it; `watch` exits at once instead of looping", async () => {
    const root = join(dir, "corrupt");
    const env = worldEnv(root);
    mkdirSync(join(root, "state"), { recursive: true });
    mkdirSync(join(root, "project"), { recursive: true });
    writeFileSync(env.CODEX_SUPERVISOR_DB!, junk(65_536));
    const problems: string[] = [];
    const says = new RegExp(`database ${env.CODEX_SUPERVISOR_DB!.replaceAll("/", "\\/")}: .*(not a database|malformed)`);
    dbCase("list", await runCli(["list"], env, { cwd: root }), problems, { code: 1, says });
    dbCase("start", await runCli(["start", "--cwd", join(root, "project"), "SLEEP 30"], env, { cwd: root }), problems, { code: 1, says });
    noneLeft(problems, "start on a corrupt database");
    const watch = await runCli(["watch", "--cwd", root], env, { cwd: root, timeoutMs: 15_000 });
    dbCase("watch", watch, problems, { code: 1, says });
    expect(problems).toEqual([]);
  });

  test("a database corrupted under a running `watch`: it keeps running, calmly, and stops when asked", async () => {
    const root = join(dir, "corrupt-live");
    const env = worldEnv(root);
    mkdirSync(join(root, "xdg-config", "codex-supervisor"), { recursive: true });
    writeFileSync(join(root, "xdg-config", "codex-supervisor", "config.json"), JSON.stringify({ watchdog: { interval: "100ms" } }));
    const log = join(root, "watch.log");
    mkdirSync(root, { recursive: true });
    const fd = openSync(log, "w");
    const watch = Bun.spawn([process.execPath, CLI, "watch", "--cwd", root], { cwd: root, env, stdin: "ignore", stdout: "ignore", stderr: fd });
    closeSync(fd);
    try {
      await until("watch to start", () => readFileSync(log, "utf8").includes("watchdog running") || undefined, 15_000);
      const db = openSync(env.CODEX_SUPERVISOR_DB!, "r+");
      writeSync(db, junk(32_768), 0, 32_768, 0);
      closeSync(db);
      const before = cpuMsOf(watch.pid);
      await Bun.sleep(2_000);
      const used = cpuMsOf(watch.pid) - before;
      fig.add("databaseCases");
      expect(watch.exitCode).toBeNull(); // still running: no crash, so no crash loop under a service manager
      console.info(`badInput: watch on a corrupted database used ${Math.round(used)} ms of CPU in 2 s`); // a figure, not a test: timing never fails a test
      watch.kill("SIGTERM");
      expect(await watch.exited).toBe(0);
      expect(looksLikeCrash(readFileSync(log, "utf8"))).toBe(false);
    } finally {
      watch.kill("SIGKILL");
    }
  });

  test("a read-only database (another user's file; a read-only filesystem): a clear error, nothing launched", async () => {
    const problems: string[] = [];
    const user = otherUser();
    if (user.ok) {
      // /tmp may be private to root: this world lives where another user can reach it
      const root = mkdtempSync(join("/var/tmp", "cs-readonly-"));
      try {
        chmodSync(root, 0o755);
        const env: Record<string, string> = { ...worldEnv(root), HOME: join(root, "home"), TMPDIR: join(root, "home") };
        for (const d of ["state", "home", "project", "xdg-config", "codex-home"]) mkdirSync(join(root, d), { mode: 0o755 });
        execFileSync("chown", [`${user.uid}:${user.gid}`, join(root, "home"), join(root, "project"), join(root, "codex-home")]);
        expect((await runCli(["list"], env, { cwd: root })).code).toBe(0); // root creates it: 0600 in a 0700 directory
        chmodSync(join(root, "state"), 0o755);
        chmodSync(env.CODEX_SUPERVISOR_DB!, 0o644); // readable by all, writable by its owner only
        const as = (args: string[]) => runCli(args, env, { cwd: root, prefix: user.argv([]) });
        // the other user must be able to run this checkout at all (it may sit under a path only root reads)
        const probe = await as(["--version"]);
        if (probe.code !== 0) {
          console.info(`badInput: read-only database as another user skipped: ${user.name ?? "the other user"} cannot run the CLI from this checkout (${probe.stderr.trim().split("\n")[0]})`);
          return;
        }
        const says = new RegExp(`database ${env.CODEX_SUPERVISOR_DB!.replaceAll("/", "\\/")}: .*(EACCES|permission denied|readonly)`, "i");
        dbCase("list as another user", await as(["list"]), problems, { code: 1, says });
        dbCase("start as another user", await as(["start", "--cwd", join(root, "project"), "SLEEP 30"]), problems, { code: 1, says });
        dbCase("watch as another user", await as(["watch", "--once", "--cwd", root]), problems, { code: 1, says });
        noneLeft(problems, "start on another user's database");
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    } else {
      console.info(`badInput: read-only database as another user skipped: ${user.reason}`);
    }
    const root = join(dir, "rofs");
    const env = worldEnv(root);
    for (const d of ["state", "project"]) mkdirSync(join(root, d), { recursive: true });
    expect((await runCli(["list"], env, { cwd: root })).code).toBe(0);
    const state = join(root, "state");
    const readOnly = ["unshare", "-m", "bash", "-c", `mount --bind ${state} ${state} && mount -o remount,ro,bind ${state} && exec "$@"`, "ro"];
    const probe = await runCli(["--version"], env, { cwd: root, prefix: readOnly });
    if (probe.code !== 0) {
      console.info(`badInput: read-only filesystem case skipped: cannot make a read-only mount here (${probe.stderr.trim()})`);
      fig.set("readOnlyMount", "skipped: no mount namespace");
    } else {
      const says = new RegExp(`database ${env.CODEX_SUPERVISOR_DB!.replaceAll("/", "\\/")}: .*(EROFS|read-only|readonly)`, "i");
      dbCase("list on a read-only filesystem", await runCli(["list"], env, { cwd: root, prefix: readOnly }), problems, { code: 1, says });
      dbCase("start on a read-only filesystem", await runCli(["start", "--cwd", join(root, "project"), "SLEEP 30"], env, { cwd: root, prefix: readOnly }), problems, { code: 1, says });
      dbCase("watch on a read-only filesystem", await runCli(["watch", "--once", "--cwd", root], env, { cwd: root, prefix: readOnly }), problems, { code: 1, says });
      noneLeft(problems, "start on a read-only filesystem");
    }
    expect(problems).toEqual([]);
  });

  test("a full disk under the database: `start` says so and leaves nothing running unrecorded; `watch` carries on", async () => {
    const root = join(dir, "full");
    const env = worldEnv(root);
    const state = join(root, "state");
    for (const d of ["state", "project", "xdg-config/codex-supervisor"]) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, "xdg-config", "codex-supervisor", "config.json"), JSON.stringify({ watchdog: { interval: "100ms" } }));
    const cli = `${process.execPath} ${CLI}`;
    // One mount namespace for the whole story: a 512 KB tmpfs as the state directory, the database
    // created and held open by a running watchdog, then the disk filled under it.
    const script = [
      `mount -t tmpfs -o size=512k tmpfs ${state} || exit 99`,
      `${cli} list >/dev/null 2>&1`,
      `${cli} watch --cwd ${root} > ${root}/watch.log 2>&1 & W=$!`,
      `for i in $(seq 100); do grep -q "watchdog running" ${root}/watch.log && break; sleep 0.1; done`,
      `head -c 4M /dev/zero > ${state}/filler 2>/dev/null`,
      `echo "== start"; ${cli} start --cwd ${join(root, "project")} "SLEEP 30" 2>&1; echo "== exit $?"`,
      `echo "== list"; ${cli} list --all 2>&1; echo "== exit $?"`,
      `sleep 1`,
      `if kill -0 $W 2>/dev/null; then echo "== watch"; kill -TERM $W; wait $W; echo "== exit $?"; else echo "== watch died"; cat ${root}/watch.log; fi`,
    ].join("\n");
    const proc = Bun.spawn(["unshare", "-m", "bash", "-c", script], { cwd: root, env, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code === 99 || /unshare: /.test(err)) {
      console.info(`badInput: full-disk case skipped: cannot mount a tmpfs here (${err.trim()})`);
      fig.set("fullDisk", "skipped: no mount namespace");
      return;
    }
    const section = (name: string) => {
      const m = new RegExp(`== ${name}\\n([\\s\\S]*?)== exit (\\d+)`).exec(out);
      return { code: Number(m?.[2] ?? -1), stderr: m?.[1] ?? "" };
    };
    const problems: string[] = [];
    const db = env.CODEX_SUPERVISOR_DB!.replaceAll("/", "\\/");
    dbCase("start on a full disk", section("start"), problems, { code: 1, says: new RegExp(`database ${db}: .*(full|disk)`, "i") });
    noneLeft(problems, "start on a full disk");
    const list = section("list");
    dbCase("list on a full disk", list, problems, { code: list.code === 0 ? 0 : 1, says: list.code === 0 ? /.*/ : new RegExp(`database ${db}: `) });
    dbCase("watch running as the disk filled", section("watch"), problems, { code: 0, says: /.*/ }); // alive until asked to stop, then a clean exit
    if (out.includes("== watch died")) problems.push(`watch died when the disk filled:\n${out}`);
    expect(problems, out).toEqual([]);
  });
});
