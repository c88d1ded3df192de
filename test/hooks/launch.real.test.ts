import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, type Sandbox } from "../real/support/harness.ts";
import { trustAsIs } from "../support/trust.ts";

// `start` through the real CLI: plugins load from the job's config and beforeLaunch decides the launch.
let sb: Sandbox;
beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

const project = (name: string, plugin: string, mode = 0o644) => {
  const dir = sb.project(name);
  writeFileSync(join(dir, "plugin.ts"), plugin);
  chmodSync(join(dir, "plugin.ts"), mode);
  writeFileSync(join(dir, ".codex-supervisorrc.json"), JSON.stringify({ plugins: ["./plugin.ts"] }));
  // trusted as written (`trust` would refuse the writable plugin itself): the plugin host's own check is what is shown
  trustAsIs([join(dir, ".codex-supervisorrc.json")], { home: sb.root, env: sb.env });
  return dir;
};

describe("start with plugins", () => {
  test("a beforeLaunch that throws fails the launch, naming the plugin, and starts nothing", async () => {
    const dir = project("throws", `export default { name: "vault-env", beforeLaunch() { throw new Error("vault unreachable"); } };`);
    const r = await sb.cli(["start", "--cwd", dir, "RUN: true"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`launch failed: plugin "vault-env" failed in beforeLaunch: vault unreachable`);
    expect((await sb.cli(["list", "--all", "--json"])).json<{ jobs: unknown[] }>().jobs).toEqual([]);
    expect(sb.livePids()).toEqual([]);
  });

  test("a plugin file others can write is refused as a config error before anything runs", async () => {
    const dir = project("writable", `export default { name: "open" };`, 0o666);
    const r = await sb.cli(["start", "--cwd", dir, "RUN: true"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("plugins.0: refusing to load");
    expect(r.stderr).toContain("is writable by others (mode 666");
  });
});
