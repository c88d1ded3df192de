#!/usr/bin/env bun
/**
 * Where `list --all --json` spends its time with many ended jobs: each stage timed in-process.
 *
 *   bun bench/tools/list-all-cost.ts [--jobs 100000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { appLayer, loadSettings } from "../../src/app/runtime.ts";
import { jobEntryJson } from "../../src/app/text/views.ts";
import { listEverything } from "../../src/app/jobs/list.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { endedJob, seedJobs } from "../lib/db.ts";

const at = process.argv.indexOf("--jobs");
const count = at >= 0 ? Number(process.argv[at + 1]) : 100_000;
const root = mkdtempSync(join(tmpdir(), "cs-list-all-"));
try {
  const db = join(root, "jobs.db");
  seedJobs(db, (function* () { for (let i = 0; i < count; i++) yield endedJob(i, { cwd: root, codexHome: root }); })());
  process.env.CODEX_SUPERVISOR_DB = db;
  process.env.XDG_CONFIG_HOME = join(root, "xdg");
  const lap = (() => { let t = performance.now(); return (what: string) => { const now = performance.now(); process.stdout.write(`${what.padEnd(28)} ${(now - t).toFixed(0).padStart(6)} ms\n`); t = now; }; })();
  const settings = await Effect.runPromise(loadSettings({ cwd: root }));
  lap("load settings");
  await Effect.runPromise(Effect.gen(function* () {
    const store = yield* JobStore;
    lap("open database");
    yield* store.list({ all: true });
    lap("store.list (all rows)");
    const listed = yield* listEverything({ all: true });
    lap("listEverything");
    const json = listed.jobs.map(jobEntryJson);
    lap("jobEntryJson");
    const text = JSON.stringify({ jobs: json, untracked: [] }, null, 2);
    lap(`JSON.stringify (${Math.round(text.length / 1e6)} MB)`);
  }).pipe(Effect.provide(appLayer(settings))));
} finally {
  rmSync(root, { recursive: true, force: true });
}
