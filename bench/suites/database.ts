import { join } from "node:path";
import { ok } from "../lib/context.ts";
import { endedJob, seedJobs } from "../lib/db.ts";
import { reapJob, startJob } from "../lib/jobs.ts";
import { alternate, ratio, summarize } from "../lib/stats.ts";
import type { Suite } from "../lib/suite.ts";

/** 6. `list` and `start` with 100,000 ended jobs recorded, against an empty database. */
export const databaseSuite: Suite = {
  id: "database",
  title: "6. Scale of the database",
  method: [
    "Wall time of `list --json` and `start` (a Codex-shaped job, ended after each sample) against a database",
    "holding 100,000 ended jobs and against an empty one, in alternation; and `list --all --json` of all",
    "100,000 (output read to the end).",
  ].join(" "),
  run: async ({ ctx, quick, log }, out) => {
    const count = quick ? 2000 : 100_000;
    const reps = quick ? 2 : 20;
    const emptyDb = join(ctx.root, "state", "empty.db");
    const fullDb = join(ctx.root, "state", "full.db");
    const cwd = ctx.dir("projects/db");
    log(`database: recording ${count} ended jobs`);
    seedJobs(fullDb, (function* () {
      for (let i = 0; i < count; i++) yield endedJob(i, { cwd, codexHome: ctx.codexHome });
    })());
    seedJobs(emptyDb, []);
    const dbs = { empty: emptyDb, full: fullDb };
    const label = { empty: "empty database", full: `${count.toLocaleString("en")} ended jobs` };

    log("database: list --json");
    const list = await alternate((["full", "empty"] as const).map((k) => ({
      name: k, run: async () => ok("list", await ctx.cli(["list", "--json"], { env: { CODEX_SUPERVISOR_DB: dbs[k] } })).ms,
    })), reps);
    const listFull = summarize(list.get("full")!);
    const listEmpty = summarize(list.get("empty")!);
    const listRatio = ratio(listFull.median, listEmpty.median);
    out.rows.push({
      case: "list --json",
      unit: "ms",
      values: { [label.full]: listFull, [label.empty]: listEmpty },
      ratios: { "÷ empty": listRatio },
      goal: { text: "≤ 1.1× empty", met: listRatio <= 1.1, actual: `${listRatio.toFixed(2)}× empty` },
    });

    log("database: start");
    const start = await alternate((["full", "empty"] as const).map((k) => ({
      name: k,
      run: async () => {
        const job = await startJob(ctx, { name: "db-bench", cwd }, { env: { CODEX_SUPERVISOR_DB: dbs[k] } });
        await reapJob(job.jobId);
        return job.startMs;
      },
    })), reps);
    const startFull = summarize(start.get("full")!);
    const startEmpty = summarize(start.get("empty")!);
    const startRatio = ratio(startFull.median, startEmpty.median);
    out.rows.push({
      case: "start",
      unit: "ms",
      values: { [label.full]: startFull, [label.empty]: startEmpty },
      ratios: { "÷ empty": startRatio },
      goal: { text: "≤ 1.1× empty", met: startRatio <= 1.1, actual: `${startRatio.toFixed(2)}× empty` },
    });

    log("database: list --all --json");
    const all: number[] = [];
    for (let i = 0; i < (quick ? 1 : 5); i++) {
      const t = ok("list --all", await ctx.cli(["list", "--all", "--json"], { env: { CODEX_SUPERVISOR_DB: fullDb } }));
      const shown = (JSON.parse(t.stdout) as { jobs: unknown[] }).jobs.length;
      if (shown < count) throw new Error(`list --all --json showed ${shown} jobs, expected ${count}`);
      all.push(t.ms);
    }
    const allS = summarize(all);
    out.rows.push({
      case: `list --all --json (all ${count.toLocaleString("en")})`,
      unit: "ms",
      values: { [label.full]: allS },
      ratios: {},
      goal: { text: "< 1000 ms", met: allS.median < 1000, actual: `median ${Math.round(allS.median)} ms` },
    });
  },
};
