import { CLI } from "../lib/context.ts";
import { ok } from "../lib/context.ts";
import { alternate, ratio, summarize } from "../lib/stats.ts";
import type { Suite } from "../lib/suite.ts";
import { EVERYDAY_POLICIES } from "./watchdog.ts";

const PORTABLE = { CODEX_SUPERVISOR_PROCESS_TABLE: "portable" };

/** Runs `watch --trace` for `windowMs` and counts its quiet and full ticks. */
const countTicks = async (spawn: () => Bun.Subprocess<"ignore", "ignore", "pipe">, windowMs: number) => {
  const watch = spawn();
  let text = "";
  const reading = (async () => { for await (const chunk of watch.stderr) text += new TextDecoder().decode(chunk); })();
  await Bun.sleep(windowMs);
  watch.kill("SIGTERM");
  // a watch that does not stop within 10 s is ended, not waited for to the test's limit
  if (await Promise.race([watch.exited.then(() => true), Bun.sleep(10_000).then(() => false)]) === false) watch.kill("SIGKILL");
  await watch.exited;
  await reading;
  const ticks = text.split("\n").filter((l) => l.startsWith("tick "));
  return { quiet: ticks.filter((l) => / quiet /.test(l)).length, full: ticks.filter((l) => / full/.test(l)).length, text };
};

/** 7. The portable process table (ps and lsof, macOS's) against /proc on the same machine. */
export const platformsSuite: Suite = {
  id: "platforms",
  title: "7. The portable process table",
  method: [
    "`list --json` with N jobs running, on the /proc backend and with CODEX_SUPERVISOR_PROCESS_TABLE=portable",
    "(one `ps` for the table, one `lsof` for the Codex processes beside the rest of the look, one `ps e` for stray candidates), run in alternation;",
    "then `watch --trace` on each backend for a window, counting quiet ticks (the portable one reads one `ps` a tick).",
  ].join(" "),
  run: async ({ ctx, quick, fleet, fleetEnv, log }, out) => {
    const counts = quick ? [3] : [0, 20];
    const reps = quick ? 1 : 15;
    for (const n of counts) {
      log(`platforms: ${n} jobs`);
      await fleet.resize(n);
      const times = await alternate([
        { name: "/proc", run: async () => ok("list --json", await ctx.cli(["list", "--json"], { env: fleetEnv })).ms },
        { name: "portable", run: async () => ok("list --json (portable)", await ctx.cli(["list", "--json"], { env: { ...fleetEnv, ...PORTABLE } })).ms },
      ], reps);
      const proc = summarize(times.get("/proc")!);
      const portable = summarize(times.get("portable")!);
      const r = ratio(portable.median, proc.median);
      out.rows.push({
        case: `${n} jobs: list --json`,
        unit: "ms",
        values: { "portable (ps, lsof)": portable, "/proc": proc },
        ratios: { "portable ÷ /proc": r },
        goal: { text: "≤ 2× /proc", met: r <= 2, actual: `${r.toFixed(2)}× /proc` },
      });
    }
    // quiet ticks: the same jobs, the everyday policies, a short interval
    const interval = quick ? "300ms" : "1s";
    const windowMs = quick ? 2500 : 20_000;
    ctx.writeConfig({ watchdog: { interval }, policies: EVERYDAY_POLICIES });
    const watchOn = (env: Record<string, string>) => () => ctx.spawn([process.execPath, CLI, "watch", "--trace", "--cwd", ctx.root], { env: { ...fleetEnv, ...env } });
    const n = counts.at(-1)!;
    const onProc = await countTicks(watchOn({}), windowMs);
    const onPortable = await countTicks(watchOn(PORTABLE), windowMs);
    ctx.writeConfig(undefined);
    const share = (t: { quiet: number; full: number }) => (t.quiet + t.full > 0 ? t.quiet / (t.quiet + t.full) : 0);
    out.rows.push({
      case: `${n} jobs: watch ticks every ${interval} for ${windowMs / 1000} s`,
      unit: "quiet ticks",
      values: { "portable (ps, lsof)": summarize([onPortable.quiet]), "/proc": summarize([onProc.quiet]) },
      ratios: { "portable quiet share": Math.round(share(onPortable) * 100) / 100, "/proc quiet share": Math.round(share(onProc) * 100) / 100 },
      goal: { text: "quiet ticks on portable too", met: onPortable.quiet > 0, actual: `${onPortable.quiet} quiet of ${onPortable.quiet + onPortable.full} (/proc: ${onProc.quiet} of ${onProc.quiet + onProc.full})` },
    });
    if (onPortable.quiet === 0) out.notes.push(`portable watch never had a quiet tick:\n${onPortable.text.split("\n").slice(0, 12).join("\n")}`);
  },
};
