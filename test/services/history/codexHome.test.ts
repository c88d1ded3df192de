import { Database } from "bun:sqlite";
import { Effect } from "effect";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { rolloutNameTime } from "../../../src/services/history/codexHome.ts";
import { CodexHistory } from "../../../src/services/CodexHistory.ts";
import { line } from "../../core/history/fixtures.ts";

const run = <A, E>(f: (h: CodexHistory["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function* () {
    return yield* f(yield* CodexHistory);
  }).pipe(Effect.provide(CodexHistory.layer)));

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), "codex-home-")); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

const T0 = new Date(2026, 10, 21, 4, 36, 41).getTime();
const pad = (n: number) => String(n).padStart(2, "0");

/** A rollout where Codex puts it: dated folders and file name in local time. */
const writeRollout = (id: string, at: number, cwd: string, prompt = "do it") => {
  const d = new Date(at);
  const dir = join(home, "sessions", String(d.getFullYear()), pad(d.getMonth() + 1), pad(d.getDate()));
  mkdirSync(dir, { recursive: true });
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
  const path = join(dir, `rollout-${stamp}-${id}.jsonl`);
  const iso = d.toISOString();
  writeFileSync(path, [
    line("session_meta", { id, cwd, cli_version: "0.169.0", source: "exec" }, iso),
    line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text: `<environment_context>\n<cwd>${cwd}</cwd>\n</environment_context>` }] }, iso),
    line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text: prompt }] }, iso),
  ].join("\n") + "\n");
  return path;
};

const stateDb = (name: string, rows: ReadonlyArray<{ id: string; rollout_path: string; created_at: number; cwd: string; title: string }>) => {
  const db = new Database(join(home, name));
  db.exec("CREATE TABLE threads (id TEXT PRIMARY KEY, rollout_path TEXT, created_at INTEGER, updated_at INTEGER, source TEXT, cwd TEXT, title TEXT)");
  const insert = db.prepare("INSERT INTO threads (id, rollout_path, created_at, updated_at, source, cwd, title) VALUES (?, ?, ?, ?, 'exec', ?, ?)");
  for (const r of rows) insert.run(r.id, r.rollout_path, r.created_at, r.created_at, r.cwd, r.title);
  db.close();
};

const ID = "01a1fc64-6af5-7082-9263-1c7347954802";

describe("locateRollout", () => {
  test("finds a rollout by its file name when there is no state db", async () => {
    const path = writeRollout(ID, T0, "/w");
    expect(await run((h) => h.locateRollout(home, ID))).toBe(path);
  });

  test("prefers the newest state db's rollout_path", async () => {
    writeRollout(ID, T0, "/w");
    const moved = join(home, "elsewhere.jsonl");
    writeFileSync(moved, "");
    stateDb("state_3.sqlite", [{ id: ID, rollout_path: "/nonexistent/old.jsonl", created_at: T0 / 1000, cwd: "/w", title: "t" }]);
    stateDb("state_12.sqlite", [{ id: ID, rollout_path: moved, created_at: T0 / 1000, cwd: "/w", title: "t" }]);
    expect(await run((h) => h.locateRollout(home, ID))).toBe(moved);
  });

  test("picks the thread's own row among several in the state db, older and newer", async () => {
    const ids = ["01a1fc64-0000-7000-8000-000000000001", ID, "01a1fc64-0000-7000-8000-000000000003"];
    const paths = ids.map((id, i) => writeRollout(id, T0 + i * 1000, "/w"));
    stateDb("state_5.sqlite", ids.map((id, i) => ({ id, rollout_path: paths[i]!, created_at: T0 / 1000 + i, cwd: "/w", title: `p${i}` })));
    for (const [i, id] of ids.entries()) expect(await run((h) => h.locateRollout(home, id))).toBe(paths[i]);
  });

  test("falls back to the file name when the db is garbage, of another schema, or points nowhere", async () => {
    const path = writeRollout(ID, T0, "/w");
    writeFileSync(join(home, "state_9.sqlite"), "not a database");
    expect(await run((h) => h.locateRollout(home, ID))).toBe(path);
    rmSync(join(home, "state_9.sqlite"));
    const db = new Database(join(home, "state_10.sqlite"));
    db.exec("CREATE TABLE threads (thread_id TEXT)");
    db.close();
    expect(await run((h) => h.locateRollout(home, ID))).toBe(path);
    rmSync(join(home, "state_10.sqlite"));
    stateDb("state_11.sqlite", [{ id: ID, rollout_path: "/gone.jsonl", created_at: T0 / 1000, cwd: "/w", title: "t" }]);
    expect(await run((h) => h.locateRollout(home, ID))).toBe(path);
  });

  test("knows nothing of an unknown thread, nor of a thread id that is a glob pattern", async () => {
    writeRollout(ID, T0, "/w");
    expect(await run((h) => h.locateRollout(home, "0000"))).toBeUndefined();
    expect(await run((h) => h.locateRollout(home, "*"))).toBeUndefined();
    expect(await run((h) => h.locateRollout(join(home, "missing"), ID))).toBeUndefined();
  });
});

describe("findThreadCandidates", () => {
  const window = { cwd: "/w", startedAfter: T0 - 2000, startedBefore: T0 + 60_000 };

  test("finds threads started in the cwd within the window from rollout files, with their prompt", async () => {
    const path = writeRollout("aaaa-1", T0 + 1500, "/w", "fix the bug");
    writeRollout("aaaa-2", T0 + 1500, "/other");
    writeRollout("aaaa-3", T0 - 3_600_000, "/w");
    writeRollout("aaaa-4", T0 + 120_000, "/w");
    expect(await run((h) => h.findThreadCandidates(home, window))).toEqual([
      { id: "aaaa-1", rolloutPath: path, createdAt: T0 + 1500, cwd: "/w", title: "fix the bug" },
    ]);
  });

  test("merges threads from the state db with those only on disk, oldest first", async () => {
    const indexed = writeRollout("bbbb-1", T0 + 5000, "/w");
    const unindexed = writeRollout("bbbb-2", T0 + 1000, "/w", "second");
    stateDb("state_5.sqlite", [
      { id: "bbbb-1", rollout_path: indexed, created_at: Math.floor((T0 + 5000) / 1000), cwd: "/w", title: "from db" },
      { id: "bbbb-9", rollout_path: "x.jsonl", created_at: Math.floor(T0 / 1000), cwd: "/other", title: "elsewhere" },
    ]);
    const found = await run((h) => h.findThreadCandidates(home, window));
    expect(found.map((t) => [t.id, t.title, t.rolloutPath])).toEqual([["bbbb-2", "second", unindexed], ["bbbb-1", "from db", indexed]]);
  });

  test("looks in the day folders either side of the window: they are in local time", async () => {
    const midnight = new Date(2026, 10, 22, 0, 0, 5).getTime();
    writeRollout("cccc-1", midnight, "/w");
    const found = await run((h) => h.findThreadCandidates(home, { cwd: "/w", startedAfter: midnight - 30_000, startedBefore: midnight + 30_000 }));
    expect(found.map((t) => t.id)).toEqual(["cccc-1"]);
  });
});

test("reads the local time in a rollout's file name", () => {
  expect(rolloutNameTime(`rollout-2026-11-21T04-36-41-${ID}.jsonl`)).toBe(T0);
  expect(rolloutNameTime("rollout.jsonl")).toBeUndefined();
});
