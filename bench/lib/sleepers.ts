import type { BenchContext } from "./context.ts";
import { treePids } from "./procs.ts";

/** `n` idle processes (plain `sleep`s under one shell): a busy machine's process table. */
export const spawnSleepers = async (ctx: BenchContext, n: number): Promise<() => void> => {
  const shell = ctx.spawn(["bash", "-c", `for i in $(seq ${n}); do sleep 86400 & done; wait`]);
  const deadline = Date.now() + 60_000;
  while (treePids(shell.pid).length < n + 1) {
    if (Date.now() > deadline) throw new Error(`only ${treePids(shell.pid).length - 1} of ${n} sleepers started`);
    await Bun.sleep(100);
  }
  return () => {
    for (const pid of treePids(shell.pid).reverse()) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
  };
};
