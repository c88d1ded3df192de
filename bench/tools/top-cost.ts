#!/usr/bin/env bun
/**
 * What `top` costs while it is open: N Codex-shaped jobs, M idle processes, `top --interval I` in a
 * real terminal (tmux on a socket of its own, 160×50), its CPU over S seconds after a warm-up, as a
 * share of one core (issue 27's goal: at most 1 % with 20 jobs at 1 s). Also what share of its
 * looks were full ones (the rest read only the known trees' counters).
 *
 *   bun bench/tools/top-cost.ts [--jobs 20] [--others 1000] [--interval 1s] [--seconds 60] [--rounds 2]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, createContext } from "../lib/context.ts";
import { jobFleet } from "../lib/jobs.ts";
import { cpuBetween, cpuMark } from "../lib/procs.ts";
import { spawnSleepers } from "../lib/sleepers.ts";

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};

const ctx = createContext({ quick: false });
const socket = join(ctx.root, "tmux.sock");
const tmux = (...args: string[]) => Bun.spawnSync(["tmux", "-S", socket, ...args], { env: ctx.env, stdout: "pipe", stderr: "pipe" }).stdout.toString();
try {
  const db = join(ctx.root, "state", "fleet.db");
  const stopSleepers = await spawnSleepers(ctx, Number(arg("others", "1000")));
  await jobFleet(ctx, { CODEX_SUPERVISOR_DB: db }).grow(Number(arg("jobs", "20")));
  const script = join(ctx.root, "top.sh");
  const env = { ...ctx.env, CODEX_SUPERVISOR_DB: db };
  writeFileSync(script, [
    ...Object.entries(env).filter(([k]) => /^[A-Za-z_]\w*$/.test(k)).map(([k, v]) => `export ${k}='${v.replaceAll("'", "'\\''")}'`),
    `exec '${process.execPath}' '${CLI}' top --interval ${arg("interval", "1s")}`, "",
  ].join("\n"));
  tmux("new-session", "-d", "-s", "top", "-x", "160", "-y", "50", `sh '${script}'`);
  const pid = Number(tmux("display", "-p", "-t", "top", "#{pane_pid}").trim());
  await Bun.sleep(5000); // started, re-executed with its Bun settings, the first looks done
  const seconds = Number(arg("seconds", "60"));
  const shares: number[] = [];
  for (let round = 0; round < Number(arg("rounds", "2")); round++) {
    const a = cpuMark(pid);
    const t0 = performance.now();
    await Bun.sleep(seconds * 1000);
    const { ms, precise } = cpuBetween(a, cpuMark(pid));
    const share = (ms / (performance.now() - t0)) * 100;
    shares.push(share);
    process.stdout.write(`round ${round + 1}: top used ${ms.toFixed(0)} ms CPU in ${seconds} s = ${share.toFixed(2)} % of a core (${precise ? "thread ns" : "10 ms ticks"})\n`);
  }
  const screen = tmux("capture-pane", "-p", "-t", "top");
  process.stdout.write(`screen's title: ${screen.split("\n")[0]}\n`);
  process.stdout.write(`top: ${Math.max(...shares).toFixed(2)} % of a core at most (goal ≤ 1 %)\n`);
  tmux("kill-server");
  stopSleepers();
} finally {
  tmux("kill-server");
  await ctx.cleanup();
}
