/**
 * `watch` through the CLI: --trace says what each tick was (and what memory the first let go
 * of), SIGHUP makes a full tick at once (the interval here is an hour), and SIGTERM stops it cleanly.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, it } from "vitest";

const LAUNCHER = resolve(import.meta.dirname, "../../bin/codex-supervisor.ts");
const scratch = mkdtempSync(join(tmpdir(), "cs-watch-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it("traces each tick; SIGHUP ticks at once, fully, without waiting for the interval; SIGTERM stops it", async () => {
  mkdirSync(join(scratch, "cfg", "codex-supervisor"), { recursive: true });
  writeFileSync(join(scratch, "cfg", "codex-supervisor", "config.json"), JSON.stringify({ watchdog: { interval: "1h" } }));
  const watch = Bun.spawn([process.execPath, LAUNCHER, "watch", "--trace", "--cwd", scratch], {
    env: { ...process.env, CODEX_SUPERVISOR_DB: join(scratch, "db", "w.db"), XDG_CONFIG_HOME: join(scratch, "cfg"), XDG_STATE_HOME: join(scratch, "state"), CODEX_HOME: join(scratch, "codex-home") },
    cwd: scratch, stdout: "ignore", stderr: "pipe",
  });
  const reader = watch.stderr.getReader();
  let said = "";
  const until = async (text: string) => {
    const deadline = Date.now() + 20_000;
    while (!said.includes(text)) {
      if (Date.now() > deadline) throw new Error(`no "${text}" in: ${said}`);
      const { value, done } = await reader.read();
      if (done) throw new Error(`watch exited before "${text}": ${said}`);
      said += new TextDecoder().decode(value);
    }
  };
  try {
    await until("tick 1 ");
    expect(said).toMatch(/tick 1 full \(first look\) subjects=\d+ cpu=[\d.]+ms/);
    // after the first look it lets go of the start-up's pages of Bun's binary (Linux), and not again for 10 minutes
    const released = Number(/tick 1 .* released=(\d+)kB/.exec(said)?.[1]);
    if (process.platform === "linux") expect(released).toBeGreaterThan(1024);
    else expect(said).not.toMatch(/released=/);
    const sent = Date.now();
    watch.kill("SIGHUP");
    await until("tick 2 ");
    expect(Date.now() - sent).toBeLessThan(10_000); // not the hour the interval says
    expect(said).toMatch(/tick 2 full \(woken\)/);
    expect(said).not.toMatch(/tick 2 .*released/);
    watch.kill("SIGTERM");
    await until("watchdog stopped");
    expect(await watch.exited).toBe(0);
  } finally {
    watch.kill("SIGKILL");
    await watch.exited;
  }
});
