import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { JobStoreService } from "../../src/services/JobStore.ts";
import { job, runChildren, withStore } from "./support/jobStore.ts";

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jobstore-test-"));
  dbPath = join(dir, "state", "jobs.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("JobStore across processes and at scale", () => {
  test("processes migrating a fresh database at once each find it migrated exactly once", async () => {
    const results = await runChildren(dir, dbPath, 4, "yield* store.list();");
    expect(results).toEqual(Array(4).fill({ code: 0, stderr: "" }));
    const raw = new Database(dbPath, { readonly: true });
    expect(raw.query("PRAGMA user_version").get()).toEqual({ user_version: 1 });
    expect(raw.query("SELECT version FROM schema_migrations").all()).toEqual([{ version: 1 }]);
    expect(raw.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    raw.close();
  });

  test("50 processes inserting at once all land", async () => {
    const base = job("00000000-0000-4000-8000-000000000000");
    const results = await runChildren(dir, dbPath, 50, `
      const id = "f" + String(index).padStart(7, "0") + "-0000-4000-8000-000000000000";
      yield* store.insert({ ...${JSON.stringify(base)}, id, createdAt: index });
      yield* store.appendEvent({ jobId: id, kind: "state", message: "inserted" });`);
    expect(results.filter((r) => r.code !== 0 || r.stderr !== "")).toEqual([]);
    const [jobs, events] = await withStore(dbPath, (s) => Effect.all([s.list({ all: true }), s.listEvents()]));
    expect(jobs).toHaveLength(50);
    expect(events).toHaveLength(50);
  });

  test("lists from 100,000 jobs quickly", async () => {
    await withStore(dbPath, (s) => s.insert(job("00000000-0000-4000-8000-000000000000")));
    const raw = new Database(dbPath);
    raw.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
      INSERT INTO jobs SELECT printf('%08x-1111-4000-8000-000000000000', i), name, cwd,
        CASE WHEN i % 1000 = 0 THEN 'running' ELSE 'completed' END, i, ended_at, codex_bin, codex_home, args_json,
        python_json, launcher_pid, launcher_start, native_pid, native_start, boot_id, uid, thread_id, rollout_path,
        NULL, exit_code, NULL FROM n, jobs`);
    raw.close();
    const timed = <A>(f: (s: JobStoreService) => Effect.Effect<A, unknown>) =>
      withStore(dbPath, (s) => Effect.gen(function* () {
        const start = performance.now();
        const value = yield* f(s);
        return { value, ms: performance.now() - start };
      }));
    const page = await timed((s) => s.list({ all: true, limit: 20 }));
    const live = await timed((s) => s.list());
    const all = await timed((s) => s.list({ all: true }));
    const found = await timed((s) => s.resolve("0001869f"));
    expect(page.value[0]?.createdAt).toBe(100000);
    expect(live.value).toHaveLength(101);
    expect(all.value).toHaveLength(100001);
    expect(found.value.createdAt).toBe(99999);
    expect({ page: page.ms < 50, live: live.ms < 50, all: all.ms < 3000, found: found.ms < 50 }).toEqual({ page: true, live: true, all: true, found: true });
  });
});
