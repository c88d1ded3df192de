/**
 * What a starting `codex exec` holds open under its CODEX_HOME, and when, after a thread was killed
 * mid-turn (SIGKILL: no chance to close its turn): each file with the first and last time (ms after
 * the spawn) a 2 ms poll of /proc/PID/fd saw it. Codex 0.171 opens the killed thread's rollout for a
 * moment before it creates its own, which is why a job's thread is the one whose writer lock its
 * Codex holds (src/core/codex.ts, ownRollout), not any rollout it has open. Linux only.
 *
 *   bun bench/tools/rollout-opens.ts [--codex PATH]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { codexConfigFor, startModelServer } from "../../test/real/support/modelServer.ts";

const { values } = parseArgs({ options: { codex: { type: "string", default: join(import.meta.dirname, "../../node_modules/.bin/codex") } } });
const root = mkdtempSync(join(tmpdir(), "cs-rollout-opens-"));
const codexHome = join(root, "codex-home");
const home = join(root, "home");
mkdirSync(codexHome);
mkdirSync(home);
const model = startModelServer();
writeFileSync(join(codexHome, "config.toml"), codexConfigFor(model));
const spawn = (prompt: string) => Bun.spawn([values.codex!, "exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "-"], {
  cwd: root, env: { ...process.env, CODEX_HOME: codexHome, HOME: home }, stdin: new TextEncoder().encode(prompt), stdout: "ignore", stderr: "ignore",
});
const children = (pid: number): number[] => {
  try { return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; }
};
const openFiles = (pid: number): string[] => {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => { try { return [readlinkSync(`/proc/${pid}/fd/${fd}`)]; } catch { return []; } });
  } catch { return []; }
};
try {
  // a thread killed mid-turn: the model stalls, the whole tree is SIGKILLed
  const killed = spawn("STALL: 30");
  await Bun.sleep(3000);
  for (const pid of [...children(killed.pid), killed.pid]) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
  await killed.exited;
  // the next one, watched from its spawn
  const next = spawn("STALL: 30");
  const seen = new Map<string, { pid: number; first: number; last: number }>();
  const t0 = performance.now();
  while (performance.now() - t0 < 5000) {
    for (const pid of [next.pid, ...children(next.pid)]) {
      for (const file of openFiles(pid)) {
        if (!file.startsWith(codexHome) || !/\/(sessions|thread-writer-locks)\//.test(file)) continue;
        const now = Math.round(performance.now() - t0);
        const known = seen.get(file);
        seen.set(file, known ? { ...known, last: now } : { pid, first: now, last: now });
      }
    }
    await Bun.sleep(2);
  }
  for (const pid of [...children(next.pid), next.pid]) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
  await next.exited;
  console.log(`open under CODEX_HOME (${codexHome}), ms after the spawn:`);
  for (const [file, { pid, first, last }] of [...seen].sort((a, b) => a[1].first - b[1].first)) {
    console.log(`${String(first).padStart(6)}–${String(last).padEnd(6)} pid ${pid}  ${file.replace(codexHome, "$CODEX_HOME")}`);
  }
} finally {
  await model.stop();
  rmSync(root, { recursive: true, force: true });
}
