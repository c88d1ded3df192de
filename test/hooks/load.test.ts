import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { definePlugin } from "../../src/index.ts";
import { DEFAULT_PLUGIN_TIMEOUT_MS } from "../../src/hooks/host.ts";
import { load, loadIssues, pluginDir, REPO } from "./fixtures.ts";

const names = (loaded: Awaited<ReturnType<typeof load>>) => loaded.plugins.map((p) => p.plugin.name);
const files = pluginDir();
afterAll(() => files.remove());

describe("loading plugins", () => {
  test("always loads the three built-ins, with their defaults, even with no config", async () => {
    const loaded = await load([]);
    expect(names(loaded)).toEqual(["env-fixup", "kill", "notify"]);
    expect(loaded.timeoutMs).toBe(DEFAULT_PLUGIN_TIMEOUT_MS);
    expect(loaded.plugins.find((p) => p.plugin.name === "kill")?.options).toEqual({ grace: 5000 });
  });

  test("a config entry named like a built-in gives that built-in its options", async () => {
    const loaded = await load([["notify", { webhook: "http://127.0.0.1:9/hook", timeout: "2s" }]]);
    expect(names(loaded).filter((n) => n === "notify")).toHaveLength(1);
    expect(loaded.plugins.find((p) => p.plugin.name === "notify")?.options).toMatchObject({ webhook: "http://127.0.0.1:9/hook", timeout: 2000 });
  });

  test("runs pre plugins first, then unordered, then post, each group in config order", async () => {
    const loaded = await load([
      definePlugin({ name: "late-a", order: "post" }),
      definePlugin({ name: "plain-a" }),
      definePlugin({ name: "early-a", order: "pre" }),
      definePlugin({ name: "plain-b" }),
      definePlugin({ name: "late-b", order: "post" }),
      definePlugin({ name: "early-b", order: "pre" }),
    ]);
    // env-fixup is itself "pre"; the built-ins come before the config's entries
    expect(names(loaded)).toEqual(["env-fixup", "early-a", "early-b", "kill", "notify", "plain-a", "plain-b", "late-a", "late-b"]);
  });

  test("rejects an unknown hook key, suggesting the likely one", async () => {
    const issues = await loadIssues([{ name: "typo", onTik: () => {} } as never]);
    expect(issues).toEqual([`plugins.0: plugin: unknown key "onTik" (did you mean "onTick"?)`]);
  });

  test("rejects a hook that is not a function and an order that is not pre or post", async () => {
    const issues = await loadIssues([{ name: "odd", order: "first", onJobEnd: "yes" } as never]);
    expect(issues).toEqual([
      `plugins.0: plugin: "order" must be "pre" or "post", got "first"`,
      `plugins.0: plugin: "onJobEnd" must be a function, got string`,
    ]);
  });

  test("rejects bad options at the option's own path", async () => {
    const issues = await loadIssues(["kill", ["notify", { webhook: "ftp://example.com", webhok: 1 }]]);
    expect(issues).toContain("plugins.1.webhook: expected an http(s) URL");
    expect(issues).toContain(`plugins.1.webhok: unknown key (did you mean "webhook"?)`);
  });

  test("rejects options for a plugin that takes none", async () => {
    const file = files.write("plain.ts", `export default { name: "plain" };`);
    expect(await loadIssues([[file, { loud: true }]])).toEqual([`plugins.0: plugin "plain" takes no options`]);
  });

  test("rejects an action that two plugins define, naming both", async () => {
    const issues = await loadIssues([definePlugin({ name: "my-killer", actions: { kill: () => ({ done: true }) } })]);
    expect(issues).toEqual([`plugins.0: action "kill" is defined by both plugin "kill" and plugin "my-killer"`]);
  });

  test("rejects a plugin listed twice", async () => {
    const issues = await loadIssues(["notify", "notify"]);
    expect(issues).toEqual([`plugins.1: plugin "notify" is listed twice (also at plugins.0)`]);
  });

  test("rejects an unknown plugin name, suggesting a built-in", async () => {
    expect(await loadIssues(["notfiy"])).toEqual([`plugins.0: unknown plugin "notfiy" (did you mean "notify"?)`]);
  });

  test("loads a module by a path relative to the config's directory, default export and all", async () => {
    files.write("ok.ts", `import { definePlugin } from ${JSON.stringify(join(REPO, "src/index.ts"))};
      export default definePlugin({ name: "from-file", onTick: () => {} });`);
    const loaded = await load(["./ok.ts"], { configDir: files.dir });
    expect(loaded.plugins.find((p) => p.plugin.name === "from-file")?.source).toBe(join(files.dir, "ok.ts"));
  });

  test("names the path of a module that throws when imported", async () => {
    const file = files.write("throws.ts", `throw new Error("boom at import");\nexport default {};`);
    const issues = await loadIssues([file]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(`plugins.0: ${file} could not be imported`);
    expect(issues[0]).toContain("boom at import");
  });

  test("names a module without a default export", async () => {
    const file = files.write("nodefault.ts", `export const plugin = { name: "x" };`);
    expect(await loadIssues([file])).toEqual([`plugins.0: ${file} has no default export (expected \`export default definePlugin({ ... })\`)`]);
  });

  test("refuses a plugin file that others can write, without importing it", async () => {
    const marker = join(files.dir, "imported");
    const file = files.write("open.ts", `await Bun.write(${JSON.stringify(marker)}, "ran"); export default { name: "open" };`, 0o666);
    chmodSync(file, 0o666); // past the umask
    const issues = await loadIssues([file]);
    expect(issues[0]).toMatch(/^plugins\.0: refusing to load .*open\.ts: its file .* is writable by others \(mode 666/);
    expect(await Bun.file(marker).exists()).toBe(false);
  });

  test("refuses a plugin whose directory others can write", async () => {
    const shared = join(files.dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const file = join(shared, "p.ts");
    await Bun.write(file, `export default { name: "p" };`);
    chmodSync(file, 0o644);
    const issues = await loadIssues([file]);
    expect(issues[0]).toContain(`its directory ${shared} is writable by others (mode 777`);
  });

  test("reports every problem of a config at once", async () => {
    const issues = await loadIssues(["notfiy", { name: "" } as never, ["kill", { grace: "soon" }]]);
    expect(issues.map((i) => i.split(":")[0])).toEqual(["plugins.0", "plugins.1", "plugins.2.grace"]);
  });
});
