/**
 * PM2, the comparison: installed from npm by the bench itself (pinned, cached under the
 * system temp dir), run with a PM2_HOME of the run's own, its daemon killed at clean-up.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchContext, ok, type Timed } from "./context.ts";
import { waitTree } from "./jobs.ts";
import { procStat, treePids, waitGone } from "./procs.ts";

export const PM2_VERSION = "7.0.4";

export interface Pm2 {
  readonly version: string;
  readonly home: string;
  run(args: ReadonlyArray<string>): Promise<Timed>;
  /** Grows the managed apps to `n` Codex-shaped trees (the disguised fake, so the supervisor does not see them). */
  grow(n: number): Promise<void>;
  /** Grows or shrinks them to `n` (`pm2 delete` of the newest surplus apps). */
  resize(n: number): Promise<void>;
  daemonPid(): number;
  count(): number;
}

const PM2_INSTALL_TIMEOUT_MS = 180_000;

const install = async (ctx: BenchContext): Promise<string> => {
  const prefix = join(tmpdir(), "codex-supervisor-bench", `pm2-${PM2_VERSION}`);
  const bin = join(prefix, "node_modules", "pm2", "bin", "pm2");
  if (existsSync(bin)) return bin;
  const npm = Bun.which("npm", { PATH: ctx.env.PATH ?? "" });
  if (!npm) throw new Error("npm is not on PATH: cannot install PM2 for the comparison (use --no-pm2)");
  // a registry that does not answer must not hang the run (or the suite's bench test) until its own timeout
  const installed = await ctx.run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", `pm2@${PM2_VERSION}`], { timeoutMs: PM2_INSTALL_TIMEOUT_MS });
  // a half-done install is not left for the next run to take for a whole one
  if (installed.code !== 0) rmSync(prefix, { recursive: true, force: true });
  ok(`npm install pm2 (the comparison's PM2; --no-pm2 runs without it)`, installed);
  return bin;
};

export const setupPm2 = async (ctx: BenchContext): Promise<Pm2> => {
  const bin = await install(ctx);
  const node = Bun.which("node", { PATH: ctx.env.PATH ?? "" });
  if (!node) throw new Error("node is not on PATH: PM2 needs it");
  const home = ctx.dir("pm2-home");
  const env = { PM2_HOME: home, FAKE_CODEX_NO_STDIN: "1" };
  const run = (args: ReadonlyArray<string>) => ctx.run([node, bin, ...args], { env });
  ctx.onCleanup(async () => { await run(["kill"]); });
  ok("pm2 ping", await run(["ping"]));
  let apps = 0;
  const grow = async (n: number) => {
    if (n <= apps) return;
    const eco = join(ctx.root, `pm2-apps-${apps}-${n}.json`);
    const list = Array.from({ length: n - apps }, (_, i) => ({
      name: `j${apps + i}`,
      script: ctx.disguised.launcher,
      interpreter: "none",
      args: ["exec", "-"],
      cwd: ctx.dir(`pm2-projects/p${(apps + i) % 5}`),
      autorestart: false,
    }));
    writeFileSync(eco, JSON.stringify({ apps: list }));
    ok("pm2 start", await run(["start", eco]));
    apps = n;
    const described = JSON.parse(ok("pm2 jlist", await run(["jlist"])).stdout) as Array<{ pid: number }>;
    for (const app of described) await waitTree(app.pid, 3);
  };
  return {
    version: PM2_VERSION,
    home,
    run,
    grow,
    resize: async (n) => {
      if (n < apps) {
        // PM2 stops an app with SIGINT, which the fake ignores, and SIGKILLs it 1.6 s later, one
        // app after another: ending 80 would keep the daemon busy for minutes of the next
        // measurement. So the surplus trees are SIGKILLed here first, then deleted by name.
        const before = JSON.parse(ok("pm2 jlist", await run(["jlist"])).stdout) as Array<{ name: string; pid: number }>;
        const surplus = before.filter((a) => Number(a.name.slice(1)) >= n && a.pid > 0);
        const doomed = treePids(...surplus.map((a) => a.pid)).flatMap((pid) => {
          const s = procStat(pid);
          return s ? [{ pid, startTicks: s.startTicks }] : [];
        });
        for (const { pid } of doomed) {
          try { process.kill(pid, "SIGKILL"); } catch { /* gone already */ }
        }
        if ((await waitGone(doomed, 10_000, 20)) === undefined) throw new Error("PM2's surplus apps did not go within 10 s of SIGKILL");
        ok("pm2 delete", await run(["delete", ...Array.from({ length: apps - n }, (_, i) => `j${n + i}`)]));
        apps = n;
        const listed = JSON.parse(ok("pm2 jlist", await run(["jlist"])).stdout) as Array<{ name: string }>;
        if (listed.length !== n || listed.some((a) => Number(a.name.slice(1)) >= n)) {
          throw new Error(`pm2 still manages ${listed.length} apps (${listed.map((a) => a.name).join(" ")}) after deleting down to ${n}`);
        }
      }
      await grow(n);
    },
    daemonPid: () => Number(readFileSync(join(home, "pm2.pid"), "utf8").trim()),
    count: () => apps,
  };
};
