import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSandbox, type Sandbox } from "./support/harness.ts";
import { trustAsIs } from "../support/trust.ts";

let sb: Sandbox;
beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

test("config shows the effective config for a directory and the files it came from, global first", async () => {
  sb.writeGlobalConfig({ policies: [{ name: "stuck", when: { idleFor: "15m" }, do: ["notify"] }] });
  const dir = sb.project("repo");
  writeFileSync(join(dir, ".codex-supervisorrc.json"), JSON.stringify({ policies: [{ name: "max-runtime", when: { runtimeOver: "5m" }, do: ["kill"] }] }));
  const trusted = await sb.cli(["trust", dir]);
  expect(trusted.code, trusted.stderr).toBe(0);
  const r = await sb.cli(["config", "--cwd", join(dir), "--json"]);
  expect(r.code, r.stderr).toBe(0);
  const shown = r.json<{ files: string[]; config: { policies: Array<{ name: string }> } }>();
  expect(shown.files).toEqual([join(sb.env.XDG_CONFIG_HOME!, "codex-supervisor", "config.json"), join(dir, ".codex-supervisorrc.json")]);
  expect(shown.config.policies.map((p) => p.name)).toEqual(["stuck", "max-runtime"]);
  const text = await sb.cli(["config", "--cwd", dir]);
  expect(text.stdout).toContain(join(dir, ".codex-supervisorrc.json"));
});

test("trust of a directory with a broken file names the file and the key, exits 2 and trusts nothing; config shows it untrusted", async () => {
  const dir = sb.project("broken");
  const file = join(dir, ".codex-supervisorrc.json");
  writeFileSync(file, JSON.stringify({ watchdog: { interval: "often" } }));
  const r = await sb.cli(["trust", dir]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(file);
  expect(r.stderr).toContain("watchdog.interval");
  const shown = await sb.cli(["config", "--cwd", dir]);
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toContain(`untrusted: project config ${file} is not applied (it was never trusted): run \`codex-supervisor trust ${dir}\` to apply it`);
});

test("config of a trusted file that no longer validates names the file and exits 2", async () => {
  const dir = sb.project("trusted-broken");
  writeFileSync(join(dir, ".codex-supervisorrc.json"), JSON.stringify({ watchdog: { interval: "often" } }));
  trustAsIs([join(dir, ".codex-supervisorrc.json")], { home: sb.root, env: sb.env });
  const r = await sb.cli(["config", "--cwd", dir]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(join(dir, ".codex-supervisorrc.json"));
  expect(r.stderr).toContain("watchdog.interval");
});
