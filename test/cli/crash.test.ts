/**
 * An error nothing expected prints its message and stack, exit 1: never the source lines Bun
 * prints around an uncaught error (a page of the minified bundle).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { runCli } from "../adversarial/support/cli.ts";

const root = mkdtempSync(join(tmpdir(), "cs-crash-"));
const env = { ...(process.env as Record<string, string>), XDG_CONFIG_HOME: join(root, "xdg"), CODEX_SUPERVISOR_DB: join(root, "db.sqlite") };
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("an error thrown later by a config file's code is one message and its stack, no source, exit 1", async () => {
  const file = join(root, "late.config.ts");
  writeFileSync(file, `setTimeout(() => { throw new Error("a late bug in a config file"); }, 0);\nexport default {};\n`);
  const r = await runCli(["list", "--config", file], env);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("codex-supervisor: unexpected error");
  expect(r.stderr).toContain("Error: a late bug in a config file");
  expect(r.stderr).toContain(`at <anonymous> (${file}:1:`);
  expect(r.stderr).not.toContain("setTimeout(() =>"); // the line of source Bun would show
  expect(r.stderr).not.toMatch(/^\s*\d+ \| /m);
  expect(r.stderr).not.toContain("Bun v");
});
