import { join } from "node:path";
import { ok } from "../lib/context.ts";
import { endedJob, seedJobs } from "../lib/db.ts";
import { writeRollout } from "../lib/rollout.ts";
import { alternate, ratio, summarize } from "../lib/stats.ts";
import type { Suite } from "../lib/suite.ts";

const MB = 1024 * 1024;

/** 5. `logs --tail 50` and `status` on a 200 MB rollout against the same on a 200 KB one. */
export const historySuite: Suite = {
  id: "history",
  title: "5. History reading",
  method: [
    "Wall time and peak RSS of `logs JOB --tail 50` and `status JOB` for an ended job whose",
    "rollout is 200 MB, against the same for one of 200 KB, in alternation. The rollouts are generated in",
    "Codex 0.169's format (its records, turn after turn). `tail -n 50` of the big file is shown as the floor.",
    "The peak RSS is wait4's maxrss of a second run of each sample, started by a small process of its own",
    "(bench/lib/rss.ts): a child of the bench starts from the bench's own high-water mark.",
  ].join(" "),
  run: async ({ ctx, quick, log }, out) => {
    const bigBytes = quick ? 5 * MB : 200 * MB; // quick: a smoke run of the suite (the test), not a figure
    const smallBytes = 200 * 1024;
    const reps = quick ? 3 : 15;
    const dbPath = join(ctx.root, "state", "history.db");
    const env = { CODEX_SUPERVISOR_DB: dbPath };
    const cwd = ctx.dir("projects/history");
    const files: Record<"big" | "small", { id: string; path: string; bytes: number }> = {} as never;
    for (const [key, target] of [["big", bigBytes], ["small", smallBytes]] as const) {
      const threadId = crypto.randomUUID();
      const path = join(ctx.codexHome, "sessions/2026/11/21", `rollout-2026-11-21T04-36-41-${threadId}.jsonl`);
      log(`history: writing a ${Math.round(target / MB)} MB rollout`);
      const bytes = await writeRollout(path, threadId, cwd, target);
      const job = endedJob(0, { cwd, codexHome: ctx.codexHome, threadId, rolloutPath: path, status: "completed" });
      seedJobs(dbPath, [job]);
      files[key] = { id: job.id, path, bytes };
    }
    const label = (key: "big" | "small") => `${key === "big" ? Math.round(files.big.bytes / MB) : Math.round(files.small.bytes / 1024)} ${key === "big" ? "MB" : "KB"} rollout`;
    for (const [what, args] of [["logs --tail 50", ["logs", "--tail", "50"]], ["status", ["status"]]] as const) {
      log(`history: ${what}`);
      const rss: Record<string, number[]> = { big: [], small: [] };
      const floored = new Set<string>();
      const contenders = (["big", "small"] as const).map((key) => ({
        name: key,
        run: async () => {
          const t = ok(what, await ctx.cli([...args, files[key].id], { env }));
          if (t.stdout.length === 0) throw new Error(`${what} printed nothing`);
          // the peak from a run of its own, under a measurer: a child of the bench reports the bench's
          const peak = ok(what, await ctx.cliPeak([...args, files[key].id], { env }));
          if (peak.maxRss <= peak.floor) floored.add(`${what} (${key})`);
          rss[key]!.push(peak.maxRss / MB);
          return t.ms;
        },
      }));
      const floor = what === "logs --tail 50" ? [{ name: "floor", run: async () => ok("tail", await ctx.run(["tail", "-n", "50", files.big.path])).ms }] : [];
      const times = await alternate([...contenders, ...floor], reps);
      const big = summarize(times.get("big")!);
      const small = summarize(times.get("small")!);
      const timeRatio = ratio(big.median, small.median);
      out.rows.push({
        case: `${what}: time`,
        unit: "ms",
        values: { [label("big")]: big, [label("small")]: small, ...(floor.length > 0 ? { "floor: tail -n 50 (big)": summarize(times.get("floor")!) } : {}) },
        ratios: { "big ÷ small": timeRatio },
        goal: { text: "≤ 1.2× the small file", met: timeRatio <= 1.2, actual: `${timeRatio.toFixed(2)}× the small file` },
      });
      if (floored.size > 0) out.notes.push(`peak memory of ${[...floored].join(", ")} read at or below the measuring process's own: only an upper bound`);
      const bigRss = summarize(rss.big!.slice(1));
      const smallRss = summarize(rss.small!.slice(1));
      const rssRatio = ratio(bigRss.median, smallRss.median);
      out.rows.push({
        case: `${what}: peak memory`,
        unit: "MB",
        values: { [label("big")]: bigRss, [label("small")]: smallRss },
        ratios: { "big ÷ small": rssRatio },
        goal: { text: "≤ 1.2× the small file", met: rssRatio <= 1.2, actual: `${rssRatio.toFixed(2)}× the small file` },
      });
    }
  },
};
