import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSandbox, type Sandbox } from "./support/harness.ts";
import { trustAsIs } from "../support/trust.ts";

let sb: Sandbox;
beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

test("an unknown job id is a clear error with exit 3", async () => {
  for (const command of ["status", "logs", "kill"]) {
    const r = await sb.cli([command, "ffffffff"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`no job matches "ffffffff"`);
  }
});

test("an unknown config key names the file, the key and a suggestion, exit 2, nothing started", async () => {
  const dir = sb.project("badkey");
  writeFileSync(join(dir, ".codex-supervisorrc.json"), JSON.stringify({ codex: { bim: "codex" } }));
  // `trust` loads the file first, so it says the same and trusts nothing
  const trusting = await sb.cli(["trust", dir]);
  expect(trusting.code).toBe(2);
  expect(trusting.stderr).toContain("codex.bim");
  expect(trusting.stderr).toContain(`"bin"`);
  // a trusted file that no longer validates (say, after an upgrade) stops `start` the same way
  trustAsIs([join(dir, ".codex-supervisorrc.json")], { home: sb.root, env: sb.env });
  const r = await sb.cli(["start", "--cwd", dir, "hello"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(join(dir, ".codex-supervisorrc.json"));
  expect(r.stderr).toContain("codex.bim");
  expect(r.stderr).toContain(`"bin"`);
  expect(sb.livePids()).toEqual([]);
});

test("a TS config that does not compile names the file, exit 2", async () => {
  const dir = sb.project("badts");
  writeFileSync(join(dir, "codex-supervisor.config.ts"), "export default { codex: { args: [ };\n");
  const r = await sb.cli(["list", "--config", join(dir, "codex-supervisor.config.ts")]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(join(dir, "codex-supervisor.config.ts"));
  expect(sb.livePids()).toEqual([]);
});

test("a missing codex binary is a clear error, exit 1, no job left running", async () => {
  const r = await sb.cli(["start", "--cwd", sb.project("nocodex"), "hello"], { env: { CODEX_SUPERVISOR_CODEX: "/nonexistent/codex" } });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`codex binary "/nonexistent/codex" not found`);
  expect(sb.livePids()).toEqual([]);
});

test("an unwritable database path is a clear error naming it, exit 1", async () => {
  const locked = join(sb.root, "locked");
  mkdirSync(locked);
  writeFileSync(join(locked, "file"), "");
  const dbPath = join(locked, "file", "db.sqlite"); // a path under a regular file can never be created, even by root
  const r = await sb.cli(["start", "--cwd", sb.project("nodb"), "hello"], { env: { CODEX_SUPERVISOR_DB: dbPath } });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(dbPath);
  expect(sb.livePids()).toEqual([]);
  chmodSync(locked, 0o755);
});

test("a usage mistake says what is wrong and exits 2", async () => {
  const r = await sb.cli(["kill", "abc", "--grace", "soon"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`"soon" is not a duration`);
  const unknown = await sb.cli(["frobnicate"]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain(`unknown command "frobnicate"`);
});
