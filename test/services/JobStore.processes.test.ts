import { Database } from "bun:sqlite";
import { Effect } from "effect";
import { describe, expect, test } from "vitest";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/services/db/migrations.ts";
import { JOB_COLUMNS } from "../../src/services/db/rows.ts";
import { job, runChildren, withStore , withStoreDir } from "./support/jobStore.ts";

let dir: string;
let dbPath: string;
withStoreDir("jobstore-test-", (d, p) => { dir = d; dbPath = p; });

describe("JobStore across processes and at scale", () => {
  test("processes migrating a fresh database at once each find it migrated exactly once", async () => {
    const results = await runChildren(dir, dbPath, 4, "yield* store.list();");
    expect(results).toEqual(Array(4).fill({ code: 0, stderr: "" }));
    const raw = new Database(dbPath, { readonly: true });
    expect(raw.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
    expect(raw.query("SELECT version FROM schema_migrations").all()).toEqual(MIGRATIONS.map((_, i) => ({ version: i + 1 })));
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

  // How fast is measured by the bench (`bun run bench --only database`), never here: tests do not fail on timing.
  test("lists, pages and resolves among 100,000 jobs", async () => {
    await withStore(dbPath, (s) => s.insert(job("00000000-0000-4000-8000-000000000000")));
    const raw = new Database(dbPath);
    raw.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
      INSERT INTO jobs (${JOB_COLUMNS.join(", ")}) SELECT printf('%08x-1111-4000-8000-000000000000', i), name, cwd,
        CASE WHEN i % 1000 = 0 THEN 'running' ELSE 'completed' END, i, ended_at, codex_bin, codex_home, args_json,
        python_json, launcher_pid, launcher_start, native_pid, native_start, boot_id, uid, thread_id, rollout_path,
        NULL, exit_code, NULL, NULL, NULL FROM n, jobs`);
    raw.close();
    const page = await withStore(dbPath, (s) => s.list({ all: true, limit: 20 }));
    const live = await withStore(dbPath, (s) => s.list());
    const all = await withStore(dbPath, (s) => s.list({ all: true }));
    const found = await withStore(dbPath, (s) => s.resolve("0001869f"));
    expect(page).toHaveLength(20);
    expect(page[0]?.createdAt).toBe(100000);
    expect(live).toHaveLength(101);
    expect(all).toHaveLength(100001);
    expect(found.createdAt).toBe(99999);
  });
});
