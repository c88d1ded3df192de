import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ok } from "../lib/context.ts";
import { alternate, ratio, summarize } from "../lib/stats.ts";
import type { Suite } from "../lib/suite.ts";
import { EVERYDAY_POLICIES } from "./watchdog.ts";

/** 1. `list --json` against `pm2 jlist` and the floor, with 0, 20 and 100 jobs running. */
export const statusSuite: Suite = {
  id: "status",
  title: "1. Status latency",
  method: [
    "Wall time of `codex-supervisor list --json` (spawn to exit) with N jobs running, against `pm2 jlist`",
    "with PM2 managing N processes of the same shape, and the floor `ps -eo pid,args | grep codex`,",
    "run in alternation. Jobs are Codex-shaped trees (launcher → native → tool in its own session).",
    "`list --json` runs twice: with no config file, and with a global config.json holding the watchdog",
    "suite's policies (a config file costs a command cosmiconfig and zod); the goal holds only if both meet it.",
  ].join(" "),
  run: async ({ ctx, quick, pm2: getPm2, fleet, fleetEnv, log }, out) => {
    const counts = quick ? [0, 3] : [0, 20, 100];
    const reps = quick ? 2 : 30;
    const pm2 = await getPm2();
    const configHome = ctx.dir("status-config");
    mkdirSync(join(configHome, "codex-supervisor"), { recursive: true });
    writeFileSync(join(configHome, "codex-supervisor", "config.json"), JSON.stringify({ policies: EVERYDAY_POLICIES }));
    const configuredEnv = { ...fleetEnv, XDG_CONFIG_HOME: configHome };
    for (const n of counts) {
      log(`status: ${n} jobs`);
      await fleet.resize(n);
      await pm2?.resize(n);
      const listed = JSON.parse(ok("list --json", await ctx.cli(["list", "--json"], { env: fleetEnv })).stdout) as { jobs: unknown[] };
      if (listed.jobs.length !== n) throw new Error(`list --json shows ${listed.jobs.length} jobs, expected ${n}`);
      const contenders = [
        { name: "list --json", run: async () => ok("list --json", await ctx.cli(["list", "--json"], { env: fleetEnv })).ms },
        { name: "list --json, config file", run: async () => ok("list --json", await ctx.cli(["list", "--json"], { env: configuredEnv })).ms },
        { name: "floor: ps | grep", run: async () => (await ctx.run(["sh", "-c", "ps -eo pid,args | grep codex"])).ms },
        ...(pm2 ? [{ name: "pm2 jlist", run: async () => ok("pm2 jlist", await pm2.run(["jlist"])).ms }] : []),
      ];
      const times = await alternate(contenders, reps);
      const sup = summarize(times.get("list --json")!);
      const configured = summarize(times.get("list --json, config file")!);
      const floor = summarize(times.get("floor: ps | grep")!);
      const pm = pm2 ? summarize(times.get("pm2 jlist")!) : undefined;
      const vsPm2 = pm ? ratio(sup.median, pm.median) : Number.NaN;
      const configuredVsPm2 = pm ? ratio(configured.median, pm.median) : Number.NaN;
      out.rows.push({
        case: `${n} jobs`,
        unit: "ms",
        values: {
          "codex-supervisor list --json": sup,
          "… with a config file": configured,
          ...(pm ? { "pm2 jlist": pm } : {}),
          "floor: ps | grep codex": floor,
        },
        ratios: { ...(pm ? { "÷ pm2": vsPm2, "config file ÷ pm2": configuredVsPm2 } : {}), "÷ floor": ratio(sup.median, floor.median) },
        goal: {
          text: "≤ 0.5× pm2 jlist",
          met: pm ? Math.max(vsPm2, configuredVsPm2) <= 0.5 : null,
          actual: pm ? `${vsPm2.toFixed(2)}× pm2 jlist; with a config file ${configuredVsPm2.toFixed(2)}×` : "PM2 skipped",
        },
      });
    }
  },
};
