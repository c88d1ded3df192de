import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../bench/lib/results.ts";

const REPO = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "cs-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Checks that the benchmarks still run and produce results, not what the numbers are:
// this is a smoke run on whatever machine CI has, at tiny sizes.
describe("bench --quick", () => {
  it("runs every benchmark and writes a result for each", async () => {
    const out = join(dir, "quick.json");
    const proc = Bun.spawn([process.execPath, join(REPO, "bench/run.ts"), "--quick", "--out", out], {
      cwd: REPO,
      // `bun --bun` puts a Bun-backed `node` first on PATH; PM2 should get the real one.
      env: { ...process.env, PATH: (process.env.PATH ?? "").split(delimiter).filter((p) => !p.includes("bun-node-")).join(delimiter) },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const result = JSON.parse(readFileSync(out, "utf8")) as RunResult;
    expect(result.mode).toBe("quick");
    expect(result.suites.map((s) => s.id)).toEqual(["status", "watchdog", "kill", "detection", "history", "database", "platforms"]);
    for (const suite of result.suites) {
      expect(suite.error, `${suite.id}: ${suite.error}`).toBeUndefined();
      expect(suite.rows.length, suite.id).toBeGreaterThan(0);
      for (const row of suite.rows) {
        for (const [name, s] of Object.entries(row.values)) expect(Number.isFinite(s.median), `${suite.id} ${row.case} ${name}`).toBe(true);
      }
    }
  }, 420_000); // 2.5–3 min here with both cores busy (155 s, 166 s): room for a slower CI machine
});
