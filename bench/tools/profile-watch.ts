#!/usr/bin/env bun
/**
 * Profiles the watchdog: N Codex-shaped jobs, M idle processes, `watch` at a given interval
 * under `bun --cpu-prof-md` for S seconds; prints where the profile was written.
 *
 *   bun bench/tools/profile-watch.ts [--jobs 20] [--others 1000] [--interval 1s] [--seconds 20] [--sample-us 1000]
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { CLI, createContext } from "../lib/context.ts";
import { jobFleet } from "../lib/jobs.ts";
import { spawnSleepers } from "../lib/sleepers.ts";
import { EVERYDAY_POLICIES } from "../suites/watchdog.ts";

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};

const ctx = createContext({ quick: false });
try {
  const env = { CODEX_SUPERVISOR_DB: join(ctx.root, "state", "fleet.db") };
  ctx.writeConfig({ watchdog: { interval: arg("interval", "1s") }, policies: EVERYDAY_POLICIES });
  const stopSleepers = await spawnSleepers(ctx, Number(arg("others", "1000")));
  const fleet = jobFleet(ctx, env);
  await fleet.grow(Number(arg("jobs", "20")));
  const dir = ctx.dir("profile");
  // watch's own Bun settings given up front: without them it re-executes itself to set them, and
  // the profiler's thread-suspend signal (SIGPWR) then kills the new image (Bun 1.4.5)
  const watchEnv = { BUN_GC_TIMER_DISABLE: "1", BUN_JSC_useDFGJIT: "0", BUN_JSC_useConcurrentJIT: "0" };
  const watch = ctx.spawn([process.execPath, "--cpu-prof-md", `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${arg("sample-us", "1000")}`, CLI, "watch", "--cwd", ctx.root], { env: { ...env, ...watchEnv } });
  await Bun.sleep(Number(arg("seconds", "20")) * 1000);
  watch.kill("SIGTERM");
  await watch.exited;
  stopSleepers();
  const out = `/tmp/watch-profile-${Date.now()}.md`;
  for (const f of readdirSync(dir)) await Bun.write(out, Bun.file(join(dir, f)));
  process.stdout.write(`profile: ${out}\n`);
} finally {
  await ctx.cleanup();
}
