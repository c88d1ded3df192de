import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { loadConfig, PROJECT_PLACES } from "../../src/config/load.ts";
import { trustAsIs } from "../support/trust.ts";
import { ConfigError } from "../../src/core/errors.ts";

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

const tree = (files: Record<string, unknown>) => {
  const root = mkdtempSync(join(tmpdir(), "cs-policies-"));
  roots.push(root);
  for (const [path, value] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof value === "string" ? value : JSON.stringify(value));
  }
  // trusted as written: these tests are about what a loaded project file gives
  trustAsIs(Object.keys(files).filter((path) => PROJECT_PLACES.includes(basename(path))).map((path) => join(root, path)), { home: root });
  return (cwd: string) => loadConfig({ cwd: join(root, cwd), home: root, globalDir: join(root, "global"), env: {} });
};

const issuesOf = async (loading: Promise<unknown>) => {
  const e = await loading.then(() => undefined, (error: unknown) => error);
  if (!(e instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(e)}`);
  return e.issues.map((i) => `${i.path}: ${i.message}`);
};

test("a project adds to the global policies and replaces only the one it names the same", async () => {
  const load = tree({
    "global/config.json": { policies: [
      { name: "max-runtime", when: { runtimeOver: "45m" }, do: ["kill"] },
      { name: "stuck", when: { idleFor: "15m" }, do: ["notify"] },
    ], plugins: [["notify", { webhook: "http://127.0.0.1:1/global" }]] },
    "repo/.codex-supervisorrc.json": { policies: [
      { name: "max-runtime", when: { runtimeOver: "5m" }, do: ["notify", "kill"] },
      { name: "memory", when: { rssOver: "2GB" }, do: ["kill"] },
    ], plugins: [["notify", { webhook: "http://127.0.0.1:1/repo" }]] },
  });
  const { config } = await load("repo");
  expect(config.policies.map((p) => [p.name, p.when])).toEqual([
    ["stuck", { idleFor: 900_000 }],
    ["max-runtime", { runtimeOver: 300_000 }],
    ["memory", { rssOver: 2e9 }],
  ]);
  expect(config.plugins).toEqual([["notify", { webhook: "http://127.0.0.1:1/repo" }]]);
  expect((await load("elsewhere")).config.policies.map((p) => p.name)).toEqual(["max-runtime", "stuck"]);
});

test("defaults: a policy judges tracked jobs and fires once", async () => {
  const { config } = await tree({ "p/.codex-supervisorrc.json": { policies: [{ name: "x", when: { orphaned: true }, do: ["notify"] }] } })("p");
  expect(config.policies[0]).toMatchObject({ match: { tracked: true }, repeat: false });
});

test("a bad cron expression is a config error at load time, with its path", async () => {
  const load = tree({ "p/.codex-supervisorrc.json": { schedules: [{ cron: "61 * * * *", do: "prune", olderThan: "14d" }] } });
  expect(await issuesOf(load("p"))).toEqual([expect.stringMatching(/^schedules\.0\.cron: "61 \* \* \* \*" is not a valid cron expression/)]);
});

test("policy mistakes name the key path: bad size, unknown condition, empty do", async () => {
  const load = tree({ "p/.codex-supervisorrc.json": { policies: [
    { name: "a", when: { rssOver: "lots" }, do: ["kill"] },
    { name: "b", when: { runtimeOvr: "5m" }, do: ["kill"] },
    { name: "c", when: { orphaned: true }, do: [] },
  ] } });
  const issues = await issuesOf(load("p"));
  expect(issues.some((i) => i.startsWith("policies.0.when.rssOver:") && i.includes("a size like"))).toBe(true);
  expect(issues.some((i) => i.startsWith("policies.1.when.runtimeOvr:") && i.includes(`"runtimeOver"`))).toBe(true);
  expect(issues.some((i) => i.startsWith("policies.2.do:"))).toBe(true);
});
