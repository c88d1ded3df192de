import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect } from "effect";
import { describe, expect, test } from "vitest";
import { SCHEMA_VERSION } from "../../src/services/db/migrations.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { job, openError, withStore , withStoreDir } from "./support/jobStore.ts";
import { needsPermissionErrors, overridesFilePermissions } from "../support/privilege.ts";

let dir: string;
let dbPath: string;
withStoreDir("jobstore-test-", (d, p) => { dir = d; dbPath = p; });

describe("JobStore", () => {
  test("prune removes an ended job's files with its record, and leaves a running job's alone", async () => {
    const ended = "e0000000-0000-4000-8000-000000000001";
    const running = "e0000000-0000-4000-8000-000000000002";
    const [dirs, pruned, left] = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        yield* s.insert(job(ended, { status: "failed", createdAt: 1, endedAt: 2 }));
        yield* s.insert(job(running, { status: "running", createdAt: 1 }));
        const dirs = [s.filesDir(ended), s.filesDir(running)];
        for (const d of dirs) { mkdirSync(d, { recursive: true }); writeFileSync(join(d, "stderr"), "x"); }
        const pruned = yield* s.prune({ endedBefore: 10 });
        return [dirs, pruned, yield* s.list({ all: true })] as const;
      }));
    expect(pruned).toBe(1);
    expect(left.map((j) => j.id)).toEqual([running]);
    expect(dirs[0]!.startsWith(join(dir, "state", "jobs"))).toBe(true);
    expect(existsSync(dirs[0]!)).toBe(false);
    expect(existsSync(join(dirs[1]!, "stderr"))).toBe(true);
  });

  test("a job reads back exactly as it was inserted", async () => {
    const original = job("0b7e6c1a-0000-4000-8000-000000000001", { threadId: "t-1", exitCode: 0 });
    const bare = job("0b7e6c1a-0000-4000-8000-000000000002", { name: undefined, native: undefined, python: { kind: "none", source: "none" } });
    const [a, b, missing] = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        yield* s.insert(original);
        yield* s.insert(bare);
        return [yield* s.get(original.id), yield* s.get(bare.id), yield* s.get("nope")];
      }));
    expect(a).toEqual(original);
    expect(b).toEqual(bare);
    expect(missing).toBeUndefined();
  });

  test("resolves a unique prefix in any case, and reports unknown and ambiguous ones", async () => {
    const ids = ["abc12345-0000-4000-8000-000000000001", "abc99999-0000-4000-8000-000000000002", "def00000-0000-4000-8000-000000000003"];
    const [byPrefix, byFull, unknown, ambiguous, wildcard] = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        for (const id of ids) yield* s.insert(job(id));
        return [
          yield* s.resolve("ABC1"), yield* s.resolve(ids[2]!.toUpperCase()), yield* Effect.flip(s.resolve("fff")),
          yield* Effect.flip(s.resolve("abc")), yield* Effect.flip(s.resolve("%")),
        ] as const;
      }));
    expect(byPrefix.id).toBe(ids[0]);
    expect(byFull.id).toBe(ids[2]);
    expect(unknown).toMatchObject({ _tag: "JobNotFound", query: "fff" });
    expect(ambiguous).toMatchObject({ _tag: "JobAmbiguous", query: "abc" });
    expect(ambiguous._tag === "JobAmbiguous" && [...ambiguous.matches].sort()).toEqual(ids.slice(0, 2));
    expect(wildcard._tag).toBe("JobNotFound");
  });

  test("lists live jobs by default and every job, newest first, with all", async () => {
    const [live, all, limited] = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        yield* s.insert(job("a0000000-0000-4000-8000-000000000001", { createdAt: 1, status: "completed", endedAt: 5 }));
        yield* s.insert(job("a0000000-0000-4000-8000-000000000002", { createdAt: 2, status: "starting" }));
        yield* s.insert(job("a0000000-0000-4000-8000-000000000003", { createdAt: 3, status: "running" }));
        yield* s.insert(job("a0000000-0000-4000-8000-000000000004", { createdAt: 4, status: "killed", endedAt: 6 }));
        return [yield* s.list(), yield* s.list({ all: true }), yield* s.list({ all: true, limit: 2 })];
      }));
    expect(live.map((j) => j.id.slice(-1))).toEqual(["3", "2"]);
    expect(all.map((j) => j.id.slice(-1))).toEqual(["4", "3", "2", "1"]);
    expect(limited.map((j) => j.id.slice(-1))).toEqual(["4", "3"]);
  });

  test("update patches and clears fields; markEnded never overwrites a final status", async () => {
    const id = "b0000000-0000-4000-8000-000000000001";
    const result = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        yield* s.insert(job(id));
        const updated = yield* s.update(id, { native: undefined, threadId: "t-9", rolloutPath: "/r.jsonl", killRequestedAt: 7 });
        const first = yield* s.markEnded(id, "killed", 10);
        const second = yield* s.markEnded(id, "completed", 20);
        return { updated, first, second, missing: yield* s.update("nope", { exitCode: 1 }), job: yield* s.get(id) };
      }));
    expect(result).toMatchObject({ updated: true, first: true, second: false, missing: false });
    expect(result.job).toMatchObject({ status: "killed", endedAt: 10, native: undefined, threadId: "t-9", rolloutPath: "/r.jsonl", killRequestedAt: 7 });
  });

  test("events come back oldest first, filtered by job, after an id, and limited to the newest", async () => {
    const events = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        const ids = [];
        for (const [jobId, message] of [["j1", "one"], ["j2", "two"], [undefined, "watchdog"], ["j1", "three"], ["j1", "four"]] as const) {
          ids.push(yield* s.appendEvent({ jobId, kind: "state", message, data: { message } }));
        }
        return {
          all: yield* s.listEvents(), j1: yield* s.listEvents({ jobId: "j1" }),
          since: yield* s.listEvents({ jobId: "j1", sinceId: ids[0]!, limit: 1 }), newest: yield* s.listEvents({ limit: 2 }),
        };
      }));
    expect(events.all.map((e) => e.message)).toEqual(["one", "two", "watchdog", "three", "four"]);
    expect(events.all[2]).toMatchObject({ jobId: undefined, kind: "state", data: { message: "watchdog" } });
    expect(events.j1.map((e) => e.message)).toEqual(["one", "three", "four"]);
    expect(events.since.map((e) => e.message)).toEqual(["three"]);
    expect(events.newest.map((e) => e.message)).toEqual(["three", "four"]);
  });

  test("prune deletes only jobs that ended before the cutoff, with their events", async () => {
    const [old, recent, live] = ["c1000000-0000-4000-8000-000000000001", "c2000000-0000-4000-8000-000000000002", "c3000000-0000-4000-8000-000000000003"];
    const result = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        yield* s.insert(job(old, { status: "completed", endedAt: 100 }));
        yield* s.insert(job(recent, { status: "completed", endedAt: 900 }));
        yield* s.insert(job(live, { status: "running", createdAt: 1, resumedFrom: old }));
        for (const jobId of [old, recent, live]) yield* s.appendEvent({ jobId, kind: "state", message: jobId });
        const deleted = yield* s.prune({ endedBefore: 500 });
        return { deleted, jobs: yield* s.list({ all: true }), events: yield* s.listEvents() };
      }));
    expect(result.deleted).toBe(1);
    expect(result.jobs.map((j) => j.id).sort()).toEqual([recent, live]);
    expect(result.jobs.find((j) => j.id === live)?.resumedFrom).toBeUndefined();
    expect(result.events.map((e) => e.jobId)).toEqual([recent, live]);
  });

  // The folder here is one the user named (not a `codex-supervisor` folder): it keeps its mode, as /tmp
  // must (test/services/privateDir.test.ts has the supervisor's own folders narrowed to 0700).
  test("keeps the database, -wal and -shm 0600, and leaves the mode of a folder the user chose", async () => {
    mkdirSync(join(dir, "state"), { mode: 0o755 });
    chmodSync(join(dir, "state"), 0o755);
    const modes = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        yield* s.insert(job("d0000000-0000-4000-8000-000000000001"));
        return [join(dir, "state"), dbPath, `${dbPath}-wal`, `${dbPath}-shm`].map((p) => statSync(p).mode & 0o777);
      }));
    expect(modes).toEqual([0o755, 0o600, 0o600, 0o600]);
  });

  test("a database from a newer codex-supervisor can be read but not written", async () => {
    const id = "e0000000-0000-4000-8000-000000000001";
    await withStore(dbPath, (s) => s.insert(job(id)));
    const raw = new Database(dbPath);
    raw.run("PRAGMA user_version = 99");
    raw.close();
    const result = await withStore(dbPath, (s) =>
      Effect.gen(function* () {
        return { read: yield* s.get(id), insert: yield* Effect.flip(s.insert(job("e2"))), event: yield* Effect.flip(s.appendEvent({ kind: "error", message: "x" })) };
      }));
    expect(result.read?.id).toBe(id);
    expect(result.insert).toMatchObject({ _tag: "DatabaseError", path: dbPath, operation: "insert" });
    expect(String(result.insert.cause)).toContain(`written by a newer codex-supervisor (schema 99, this version knows ${SCHEMA_VERSION})`);
    expect(result.event.operation).toBe("appendEvent");
  });

  test("a file that is not SQLite fails to open with a clear error", async () => {
    mkdirSync(join(dir, "state"));
    writeFileSync(dbPath, "this is not a database, just garbage bytes ".repeat(100));
    const error = await openError(dbPath);
    expect(error).toMatchObject({ _tag: "DatabaseError", path: dbPath, operation: "open" });
    expect(String(error.cause)).toContain("not a database");
  });

  test("an unwritable location fails to open with the path", async () => {
    writeFileSync(join(dir, "state"), "a file where the directory should be");
    expect(await openError(dbPath)).toMatchObject({ _tag: "DatabaseError", path: dbPath, operation: "open" });
  });

  test.skipIf(overridesFilePermissions)(`a read-only directory fails to open with the path${needsPermissionErrors}`, async () => {
    mkdirSync(join(dir, "state"), { mode: 0o500 });
    expect(await openError(dbPath)).toMatchObject({ _tag: "DatabaseError", path: dbPath, operation: "open" });
  });
});

test("layerTest gives a working store in a temporary file", async () => {
  const found = await Effect.runPromise(Effect.gen(function* () {
    const s = yield* JobStore;
    yield* s.insert(job("99000000-0000-4000-8000-000000000001"));
    return yield* s.resolve("99");
  }).pipe(Effect.provide(JobStore.layerTest)));
  expect(found.cwd).toBe("/work/project");
});
