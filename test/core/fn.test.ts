import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const fnModule = fileURLToPath(new URL("../../src/core/fn.ts", import.meta.url));

// The variable is read when the module loads, so each setting gets a process of its own.
const printedDefect = (env: Record<string, string>) => {
  const script = `
    import * as Cause from "effect/Cause";
    import * as Effect from "effect/Effect";
    import * as Exit from "effect/Exit";
    import { fn } from ${JSON.stringify(fnModule)};
    const probe = fn("probeNamedThing")(function* (n) { if (n > 0) return yield* Effect.die(new Error("boom")); return n + 1; });
    const exit = Effect.runSyncExit(probe(1));
    console.log(JSON.stringify({ pretty: Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", value: Effect.runSync(probe(1 - 1)) }));
  `;
  const out = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: fileURLToPath(new URL("../..", import.meta.url)), env: { ...process.env, ...env } });
  expect(out.status, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as { pretty: string; value: number };
};

test("fn is untraced by default, and CODEX_SUPERVISOR_TRACE=1 brings the function's name back among a defect's frames", () => {
  const plain = printedDefect({ CODEX_SUPERVISOR_TRACE: "" });
  expect(plain.value).toBe(1);
  expect(plain.pretty).toContain("Error: boom");
  expect(plain.pretty).not.toContain("probeNamedThing");
  const traced = printedDefect({ CODEX_SUPERVISOR_TRACE: "1" });
  expect(traced.value).toBe(1);
  expect(traced.pretty).toContain("at probeNamedThing");
});
