/** The bench's runner: a command that does not end (npm against a registry that never answers) is ended and said. */
import { afterAll, expect, test } from "vitest";
import { createContext, ok } from "../../bench/lib/context.ts";

const ctx = createContext({ quick: true });
afterAll(() => ctx.cleanup());

test("a command given a timeout is killed after it, exits 124 and says so; ok() then fails naming it", async () => {
  const started = performance.now();
  const hung = await ctx.run(["sleep", "30"], { timeoutMs: 300 });
  expect(hung.code).toBe(124);
  expect(hung.stderr).toContain("killed after 300 ms");
  expect(performance.now() - started).toBeLessThan(20_000);
  expect(() => ok("npm install pm2", hung)).toThrow(/npm install pm2 exited 124/);
  // and one that ends in time is untouched
  const quick = await ctx.run(["sh", "-c", "echo done"], { timeoutMs: 10_000 });
  expect([quick.code, quick.stdout.trim(), quick.stderr]).toEqual([0, "done", ""]);
});
