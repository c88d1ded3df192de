import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSandbox, type Sandbox } from "./support/harness.ts";

let sb: Sandbox;
beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

test("config shows the effective config for a directory and the files it came from, global first", async () => {
  sb.writeGlobalConfig({ policies: [{ name: "stuck", when: { idleFor: "15m" }, do: ["notify"] }] });
  const dir = sb.project("repo");
  writeFileSync(join(dir, ".codex-supervisorrc.json"), JSON.stringify({ policies: [{ name: "max-runtime", when: { runtimeOver: "5m" }, do: ["kill"] }] }));
  const r = await sb.cli(["config", "--cwd", join(dir), "--json"]);
  expect(r.code, r.stderr).toBe(0);
  const shown = r.json<{ files: string[]; config: { policies: Array<{ name: string }> } }>();
  expect(shown.files).toEqual([join(sb.env.XDG_CONFIG_HOME!, "codex-supervisor", "config.json"), join(dir, ".codex-supervisorrc.json")]);
  expect(shown.config.policies.map((p) => p.name)).toEqual(["stuck", "max-runtime"]);
  const text = await sb.cli(["config", "--cwd", dir]);
  expect(text.stdout).toContain(join(dir, ".codex-supervisorrc.json"));
});

test("config of a directory with a broken file names the file and exits 2", async () => {
  const dir = sb.project("broken");
  writeFileSync(join(dir, ".codex-supervisorrc.json"), JSON.stringify({ watchdog: { interval: "often" } }));
  const r = await sb.cli(["config", "--cwd", dir]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(join(dir, ".codex-supervisorrc.json"));
  expect(r.stderr).toContain("watchdog.interval");
});
