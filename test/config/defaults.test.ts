import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { configDefaults, defaultConfig } from "../../src/config/defaults.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { PathContext } from "../../src/config/paths.ts";
import { configSchema } from "../../src/config/schema.ts";

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

const contexts: ReadonlyArray<PathContext> = [
  { env: {}, platform: "linux", home: "/home/t" },
  { env: {}, platform: "darwin", home: "/Users/t" },
  { env: { CODEX_HOME: "/ch", CODEX_SUPERVISOR_CODEX: "/opt/codex", CODEX_SUPERVISOR_DB: "/d/s.db", XDG_STATE_HOME: "/xs" }, platform: "linux", home: "/home/t" },
];

test("the defaults written out without zod are what the schema makes of {}", () => {
  for (const ctx of contexts) {
    const defaults = configDefaults(ctx);
    expect(defaultConfig(defaults)).toStrictEqual(configSchema(defaults).parse({}));
  }
});

test("with no config file, loading gives the config an empty file gives", async () => {
  const root = mkdtempSync(join(tmpdir(), "cs-defaults-"));
  roots.push(root);
  const globalDir = join(root, "global");
  const env = { CODEX_HOME: join(root, "codex") };
  const options = { cwd: root, home: root, globalDir, env };
  const none = await loadConfig(options);
  expect(none.files).toEqual([]);
  mkdirSync(globalDir);
  writeFileSync(join(globalDir, "config.json"), "{}");
  const empty = await loadConfig(options);
  expect(empty.files).toEqual([join(globalDir, "config.json")]);
  expect(none.config).toStrictEqual(empty.config);
});
