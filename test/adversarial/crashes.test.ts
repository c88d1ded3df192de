/**
 * Crashes and concurrency: no job record is ever lost.
 *
 * - `watch` SIGKILLed at random points, 20 times, while jobs start, end, and are killed by
 *   its own policy: afterwards every job is there exactly once, in the state it should be,
 *   none of its processes runs, and `PRAGMA integrity_check` says ok.
 * - 50 `start` commands at once with `watch` running: 50 records, no SQLITE_BUSY for anyone.
 * - CLIs and watchdogs migrating a fresh database at the same instant: it migrates once.
 * - A database written by a newer version: refused for writing, with a clear message.
 * Jobs here run a stand-in codex (support/fakeCodex.ts): the supervisor's side is all real.
 */
import { Database } from "bun:sqlite";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Layer } from "effect";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { JOB_MARKER } from "../../src/core/job.ts";
import { observe } from "../../src/app/jobs/observe.ts";
import { refreshJob } from "../../src/app/jobs/refresh.ts";
import { CodexHistory } from "../../src/services/CodexHistory.ts";
import { SCHEMA_VERSION } from "../../src/services/db/migrations.ts";
import { fakeWorld, fakeWorldLayer } from "../support/fakeWorld.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { proc } from "../core/fixtures.ts";
import { CLI, looksLikeCrash, runCli } from "./support/cli.ts";
import { writeFakeCodex } from "./support/fakeCodex.ts";
import { figures } from "./support/figures.ts";
import { processKeeper, until } from "./support/procs.ts";
import { FakeKernel } from "./support/fakeKernel.ts";
import { killOverKernel, refreshOverKernel } from "./support/fakeRun.ts";
import { caseCount, runSeed, seeded } from "./support/random.ts";
import { realLayer, recordedJob } from "./support/realRun.ts";
import { worldEnv } from "./support/world.ts";

const SEED = runSeed();
const dir = mkdtempSync(join(tmpdir(), "cs-crashes-"));
const keeper = processKeeper(`crashes-${crypto.randomUUID()}`);
const fakeCodex = writeFakeCodex(join(dir, "bin"));
const fig = figures("crashes", {
  seed: SEED, watchKills: 0, watchKilledMidKill: 0, jobsStarted: 0, recordsLost: 0, duplicateRecords: 0, wrongStates: 0, integrity: "unchecked",
  concurrentStarts: 0, concurrentRecords: 0, busyErrors: 0, migrationRaces: 0, migrationsRun: 0,
  interruptedKills: 0, orphanedByInterruptedKills: 0, staleRefreshCases: 0,
});

afterEach(async () => { await keeper.cleanup(); });
afterAll(async () => {
  await keeper.cleanup();
  const v = fig.values;
  fig.write(`watch SIGKILLed ${v.watchKills} times (seed ${SEED}; ${v.watchKilledMidKill} in the middle of its kill of a job) over ${v.jobsStarted} jobs: ${v.recordsLost} records lost, ${v.duplicateRecords} duplicated, ` +
    `${v.wrongStates} in a wrong state, integrity ${v.integrity}; ${v.concurrentStarts} concurrent starts → ${v.concurrentRecords} records, ${v.busyErrors} SQLITE_BUSY; ` +
    `${v.migrationRaces} migration races, each migrated once: ${v.migrationsRun === v.migrationRaces}; ` +
    `${v.interruptedKills} kills cut short at random points: ${v.orphanedByInterruptedKills} left processes behind a job recorded as ended`);
  rmSync(dir, { recursive: true, force: true });
});

/** An isolated world: its own database, config dir, CODEX_HOME, and the stand-in codex. */
const world = (name: string, config: unknown) => {
  const root = join(dir, name);
  const xdg = join(root, "xdg-config");
  mkdirSync(join(xdg, "codex-supervisor"), { recursive: true });
  mkdirSync(join(root, "codex-home"), { recursive: true });
  mkdirSync(join(root, "project"), { recursive: true });
  writeFileSync(join(xdg, "codex-supervisor", "config.json"), JSON.stringify(config));
  const env = worldEnv(keeper, root, fakeCodex);
  const dbPath = env.CODEX_SUPERVISOR_DB!;
  return {
    root, env, dbPath, project: join(root, "project"),
    cli: (args: ReadonlyArray<string>, stdin?: string) => runCli(args, env, { cwd: root, ...(stdin === undefined ? {} : { stdin }) }),
    /** `watch` in the background, stderr to a file; resolves once it says it runs. */
    async watch(): Promise<Bun.Subprocess> {
      const log = join(root, `watch-${crypto.randomUUID()}.log`);
      const fd = openSync(log, "w");
      const proc = Bun.spawn([process.execPath, CLI, "watch", "--cwd", root], { cwd: root, env, stdin: "ignore", stdout: "ignore", stderr: fd });
      closeSync(fd);
      await until("watch to start", () => readFileSync(log, "utf8").includes("watchdog running") || proc.exitCode !== null || undefined, 15_000);
      if (proc.exitCode !== null) throw new Error(`watch exited at once: ${readFileSync(log, "utf8")}`);
      return proc;
    },
    db: () => new Database(dbPath, { readonly: true }),
    /** The jobs whose kill has been recorded as requested and that are not yet recorded as ended. */
    killsInFlight: (): string[] => {
      let db: Database;
      try { db = new Database(dbPath, { readonly: true }); } catch { return []; } // not created yet
      try {
        return db.query<{ id: string }, []>("SELECT id FROM jobs WHERE kill_requested_at IS NOT NULL AND status IN ('starting', 'running')").all().map((row) => row.id);
      } catch { return []; } finally { db.close(); }
    },
  };
};

describe("watch SIGKILLed again and again", () => {
  test("20 SIGKILLs at random points while jobs start, end and are killed: every job once, right state, integrity ok", { timeout: 180_000 }, async () => {
    const r = seeded(SEED);
    const w = world("sigkill", {
      watchdog: { interval: "100ms" },
      // doomed jobs ignore SIGTERM: each kill lasts its whole grace, a window wide enough to SIGKILL watch in
      policies: [{ name: "doomed-runtime", match: { name: "doomed-*" }, when: { runtimeOver: "1s" }, do: [["kill", { grace: "1s" }]] }],
      schedules: [{ cron: "* * * * * *", do: "prune", olderThan: "1h" }],
    });
    const started = new Map<string, "doomed" | "quick">();
    const startErrors: string[] = [];
    let stop = false;
    // Jobs keep starting all through the crashes: some end by themselves (2–4 s: long enough that a
    // loaded machine's `start` sees them run), "doomed" ones run until the watchdog's policy kills them.
    const starter = (async () => {
      const one = async (i: number) => {
        const doomed = r.chance(0.4);
        const res = await w.cli(["start", "--json", "--cwd", w.project, "--name", `${doomed ? "doomed" : "quick"}-${i}`, "-"], doomed ? "SLEEP 120\nIGNORE TERM" : `SLEEP ${r.int(20, 40) / 10}`);
        if (res.code === 0) started.set((JSON.parse(res.stdout) as { jobId: string }).jobId, doomed ? "doomed" : "quick");
        else startErrors.push(`exit ${res.code}: ${res.stderr}`);
      };
      for (let i = 0; !stop; i++) await one(i);
    })();
    try {
      for (let n = 0; n < 20; n++) {
        const inFlightBefore = new Set(w.killsInFlight());
        const watch = await w.watch();
        if (n % 2 === 0) {
          await Bun.sleep(r.int(0, 450)); // ticks every 100 ms: a random point of one of them
        } else {
          // the race that matters, forced: watch killed while its own kill of a job is under way (the
          // request recorded, the tree frozen or in its grace, the end not yet written)
          // (a kill the last watch was cut off in does not count: this one must have begun its own)
          await until("watch in the middle of a kill", () => w.killsInFlight().some((id) => !inFlightBefore.has(id)) || undefined, 30_000);
          fig.add("watchKilledMidKill");
        }
        watch.kill("SIGKILL");
        await watch.exited;
        fig.add("watchKills");
      }
    } finally {
      stop = true;
      await starter;
    }
    fig.set("jobsStarted", started.size);
    expect(startErrors).toEqual([]);
    // One last watchdog, left to finish: every doomed job killed, every quick one ended.
    const last = await w.watch();
    try {
      await until("every job ended", () => {
        const db = w.db();
        try { return db.query<{ n: number }, []>("SELECT count(*) AS n FROM jobs WHERE status IN ('starting', 'running')").get()!.n === 0 || undefined; } finally { db.close(); }
      }, 30_000);
    } finally {
      last.kill("SIGTERM");
      await last.exited;
    }
    const db = w.db();
    try {
      const rows = db.query<{ id: string; name: string; status: string; n: number }, []>("SELECT id, name, status, count(*) OVER (PARTITION BY id) AS n FROM jobs").all();
      const byId = new Map(rows.map((row) => [row.id, row]));
      const lost = [...started.keys()].filter((id) => !byId.has(id));
      const duplicated = rows.filter((row) => row.n > 1);
      const story = (id: string) => db.query<{ kind: string; message: string }, [string]>("SELECT kind, message FROM events WHERE job_id = ? ORDER BY id").all(id)
        .map((e) => `${e.kind}: ${e.message}`).join(" | ");
      const wrong = [...started].filter(([id, kind]) => byId.get(id)?.status !== (kind === "doomed" ? "killed" : "exited"))
        .map(([id, kind]) => `${kind} ${id.slice(0, 8)} is ${byId.get(id)?.status} (events: ${story(id)})`);
      const integrity = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all().map((row) => row.integrity_check).join("; ");
      fig.set("recordsLost", lost.length);
      fig.set("duplicateRecords", duplicated.length);
      fig.set("wrongStates", wrong.length);
      fig.set("integrity", integrity);
      expect(started.size).toBeGreaterThanOrEqual(10);
      expect({ lost, duplicated, wrong, integrity, extra: rows.length - started.size }).toEqual({ lost: [], duplicated: [], wrong: [], integrity: "ok", extra: 0 });
    } finally {
      db.close();
    }
    const left = [...started].flatMap(([id, kind]) => keeper.live().filter((pid) => {
      try { return readFileSync(`/proc/${pid}/environ`, "latin1").includes(`${JOB_MARKER}=${id}`); } catch { return false; }
    }).map((pid) => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return `${kind} job ${id.slice(0, 8)}: pid ${pid} state ${stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim()}`;
    }));
    fig.set("processesLeft", left.length);
    expect(left).toEqual([]);
  });
});

test("a kill cut short at any point (the watchdog SIGKILLed mid-kill) never leaves a job recorded as ended with processes alive", { timeout: 120_000 }, async () => {
  // Over the fake kernel: the real killJob dies after a random number of signals; then a refresh (any later
  // `list` or tick) decides the job's state. Ended with processes of its own still alive would mean nothing
  // ever kills them (the watchdog judges running jobs only); still running means the next kill finishes it.
  const r = seeded(SEED ^ 0x5eed);
  const cases = caseCount(100);
  const problems: string[] = [];
  for (let i = 0; i < cases; i++) {
    const k = new FakeKernel(1000, "boot-1", Date.now() - 60_000, () => r.next());
    k.spawn({ pid: 1, ppid: 0, argv: ["/sbin/init"], name: "systemd", uid: 0, tag: "foreign", startTime: "1" });
    const jobId = `d1ed0000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    const threadId = `7e7e0000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    const createdAt = k.advance(10);
    const launcher = k.spawn({ ppid: 1, argv: ["node", "codex.js", "exec", "-"], tag: "own", setsid: true, env: { [JOB_MARKER]: jobId } });
    const native = k.fork(launcher, ["/x/vendor/codex", "exec", "-"]);
    const members = [];
    for (let t = r.int(1, 3); t > 0; t--) {
      const tool = k.spawn({ ppid: native.pid, argv: ["/bin/bash", "-c", "work"], tag: "own", setsid: true, env: { [JOB_MARKER]: jobId, CODEX_THREAD_ID: threadId } });
      members.push(tool);
      for (let c = r.int(0, 3); c > 0; c--) members.push(k.fork(r.pick(members)));
    }
    for (const p of members) {
      if (r.chance(0.4)) k.ignoresTerm.add(p.pid);
      if (r.chance(0.15)) k.forkOnTerm.add(p.pid);
    }
    if (r.chance(0.2)) k.ignoresTerm.add(native.pid);
    const job = { ...recordedJob(jobId, { pid: launcher.pid, startTime: launcher.startTime, bootId: "boot-1", uid: 1000 }), createdAt,
      native: { pid: native.pid, startTime: native.startTime, bootId: "boot-1", uid: 1000 }, threadId };
    const dieAt = r.int(1, 6 * (members.length + 2));
    k.beforeOp = () => { if (k.deliveries.length >= dieAt) throw new Error("the killer was SIGKILLed"); };
    const db = join(dir, "interrupted.db");
    await killOverKernel(k, db, job, r.int(0, 15));
    k.beforeOp = undefined;
    fig.add("interruptedKills");
    const later = await refreshOverKernel(k, db, jobId);
    const left = k.alive("own");
    const status = later._tag === "Done" ? later.value.status : `refresh failed: ${later.error}`;
    if (status !== "running" && left.length > 0) {
      fig.add("orphanedByInterruptedKills");
      problems.push(`case ${i} (cut after ${dieAt} signals): recorded ${status} with ${left.length} of its processes alive: ${left.map((p) => `${p.pid} ${p.state}`).join(", ")}`);
    } else if (status === "running") {
      const again = await killOverKernel(k, db, job, 0, false);
      if (again._tag !== "Done" || k.alive("own").length > 0) problems.push(`case ${i}: the next kill did not finish it (${again._tag === "Done" ? again.outcome.result : again.error})`);
    }
    expect(k.wrongDeliveries()).toEqual([]);
  }
  expect(problems).toEqual([]);
});

test("a job killed by another process while this one holds an older copy is recorded as killed, not exited (FakeWorld)", async () => {
  // `start` settling, a `list`, the watchdog's tick: each refreshes a copy read before a kill began elsewhere
  const world = fakeWorld();
  world.processes.set(4100, proc(4100, ["node", "/x/bin/codex.js", "exec", "-"], { uid: 1000, startTime: "4100" }));
  const job = recordedJob("7a11ed00-0000-4000-8000-000000000001", { pid: 4100, startTime: "4100", bootId: "fake-boot", uid: 1000 });
  const [seen, stored] = await Effect.runPromise(Effect.gen(function* () {
    const store = yield* JobStore;
    yield* store.insert(job);
    const older = (yield* store.get(job.id))!;
    yield* store.update(job.id, { killRequestedAt: Date.now() }); // the kill records its request, then signals
    world.processes.delete(4100);
    const { job: refreshed } = yield* refreshJob(older);
    return [refreshed.status, (yield* store.get(job.id))?.status] as const;
  }).pipe(Effect.provide(Layer.mergeAll(fakeWorldLayer(world), JobStore.layerTest, CodexHistory.layer))));
  expect({ seen, stored }).toEqual({ seen: "killed", stored: "killed" });
  fig.add("staleRefreshCases");
});

test("a job a `kill` in another process ended is recorded killed, not exited, by a look holding a copy read before that kill", async () => {
  // the same rule as above, on the real machine: a real job, a real `codex-supervisor kill` in a process of its own
  const w = world("reread", {});
  const started = await w.cli(["start", "--json", "--cwd", w.project, "-"], "SLEEP 60");
  expect(started.code, started.stderr).toBe(0);
  const jobId = (JSON.parse(started.stdout) as { jobId: string }).jobId;
  const layer = realLayer(w.dbPath);
  // the copy `list`, `start`'s settling or a watchdog's tick holds: read before any kill began
  const older = await Effect.runPromise(Effect.gen(function* () { return (yield* (yield* JobStore).get(jobId))!; }).pipe(Effect.provide(layer)));
  expect(older.killRequestedAt).toBeUndefined();
  const killed = await w.cli(["kill", jobId, "--grace", "1s"]);
  expect(killed.code, killed.stderr).toBe(0);
  // the look comes after the kill recorded its request and ended the tree, before it recorded the end
  const db = new Database(w.dbPath);
  db.run("UPDATE jobs SET status = 'running', ended_at = NULL WHERE id = ?", [jobId]);
  db.close();
  const seen = await Effect.runPromise(Effect.gen(function* () { return (yield* refreshJob(older)).job.status; }).pipe(Effect.provide(layer)));
  const status = await w.cli(["status", jobId, "--json"]);
  expect({ seen, shown: (JSON.parse(status.stdout) as { status: string }).status }).toEqual({ seen: "killed", shown: "killed" });
});

test("a look begun before a job was recorded does not end it for want of processes it could not have seen", async () => {
  // the watchdog's tick: snapshot (no launcher yet) … `start` spawns and records … the tick lists the jobs
  const world = fakeWorld();
  const job = recordedJob("7a11ed00-0000-4000-8000-000000000002", { pid: 4200, startTime: "4200", bootId: "fake-boot", uid: 1000 });
  const statuses = await Effect.runPromise(Effect.gen(function* () {
    const store = yield* JobStore;
    const early = yield* observe(); // before the launcher exists
    world.processes.set(4200, proc(4200, ["node", "/x/bin/codex.js", "exec", "-"], { uid: 1000, startTime: "4200" }));
    yield* Effect.sleep(2);
    const recorded = { ...job, createdAt: Date.now() };
    yield* store.insert(recorded);
    const judgedEarly = (yield* refreshJob(recorded, early)).job.status;
    world.processes.delete(4200); // it really ends: a look begun after the record may say so
    yield* Effect.sleep(2); // (a look begun in the very millisecond of the record still defers)
    const judgedLater = (yield* refreshJob(recorded)).job.status;
    return [judgedEarly, judgedLater, (yield* store.get(job.id))?.status];
  }).pipe(Effect.provide(Layer.mergeAll(fakeWorldLayer(world), JobStore.layerTest, CodexHistory.layer))));
  expect(statuses).toEqual(["running", "exited", "exited"]);
});

describe("concurrency", () => {
  test("50 `start` at once with `watch` running: 50 records, no SQLITE_BUSY reaches anyone", { timeout: 120_000 }, async () => {
    const w = world("fifty", { watchdog: { interval: "100ms" } });
    const watch = await w.watch();
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        w.cli(["start", "--json", "--cwd", w.project, "--name", `parallel-${i}`, "-"], "SLEEP 30")));
      const failed = results.filter((res) => res.code !== 0);
      const busy = results.filter((res) => /SQLITE_BUSY|database is locked/i.test(res.stderr + res.stdout));
      fig.set("concurrentStarts", results.length);
      fig.set("busyErrors", busy.length);
      const ids = results.flatMap((res) => (res.code === 0 ? [(JSON.parse(res.stdout) as { jobId: string }).jobId] : []));
      const db = w.db();
      const recorded = db.query<{ id: string }, []>("SELECT id FROM jobs").all().map((row) => row.id);
      db.close();
      fig.set("concurrentRecords", recorded.length);
      expect({ failed: failed.map((res) => res.stderr.slice(0, 300)), busy: busy.length }).toEqual({ failed: [], busy: 0 });
      expect(recorded.sort()).toEqual(ids.sort());
      expect(recorded).toHaveLength(50);
    } finally {
      watch.kill("SIGTERM");
      await watch.exited;
    }
    expect(watch.exitCode).toBe(0);
  });

  test("CLIs and watchdogs opening a fresh database at the same instant: it is migrated exactly once", async () => {
    for (let round = 0; round < 2; round++) {
      const w = world(`migrate-${round}`, {});
      const go = join(w.root, "go");
      // each waits at a barrier, then runs: two `watch --once`, two `list`, one `events`, one `status`
      const commands = [["watch", "--once", "--cwd", w.root], ["list", "--json"], ["watch", "--once", "--cwd", w.root], ["list", "--all"], ["events"], ["status", "nope"]];
      const runs = commands.map((args) => runCli(args, w.env, { cwd: w.root, prefix: ["bash", "-c", `while [ ! -e ${go} ]; do sleep 0.002; done; exec "$@"`, "barrier"] }));
      await Bun.sleep(300);
      writeFileSync(go, "");
      const results = await Promise.all(runs);
      const codes = results.map((res) => res.code);
      expect(codes, results.map((res) => res.stderr).join("\n")).toEqual([0, 0, 0, 0, 0, 3]);
      expect(results.filter((res) => /SQLITE_BUSY|locked|already exists|internal error/i.test(res.stderr))).toEqual([]);
      const db = w.db();
      try {
        expect(db.query("SELECT version FROM schema_migrations").all()).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
        expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
      } finally {
        db.close();
      }
      fig.add("migrationRaces");
      fig.add("migrationsRun");
    }
  });

  test("a database written by a newer version is refused for writing with a clear message, and still read", async () => {
    const w = world("newer", {});
    expect((await w.cli(["list"])).code).toBe(0); // creates and migrates it
    const raw = new Database(w.dbPath);
    raw.run(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const start = await w.cli(["start", "--cwd", w.project, "SLEEP 30"]);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(w.dbPath);
    expect(start.stderr).toMatch(/written by a newer codex-supervisor.*upgrade codex-supervisor/s);
    expect(looksLikeCrash(start.stderr)).toBe(false);
    expect(keeper.liveJobs()).toEqual([]); // nothing left running without a record
    const list = await w.cli(["list", "--all", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    const watch = await w.cli(["watch", "--once", "--cwd", w.root]);
    expect(looksLikeCrash(watch.stderr), watch.stderr).toBe(false);
    const check = new Database(w.dbPath, { readonly: true });
    expect(check.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION + 1 });
    expect(check.query("SELECT count(*) AS n FROM jobs").get()).toEqual({ n: 0 });
    check.close();
  });
});
