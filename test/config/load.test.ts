import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { Effect, Exit } from "effect";
import { afterEach, expect, test } from "vitest";
import { ConfigError } from "../../src/core/errors.ts";
import { loadConfig, loadConfigEffect, type LoadConfigOptions, PROJECT_PLACES } from "../../src/config/load.ts";
import { trustAsIs } from "../support/trust.ts";

const defineConfigModule = fileURLToPath(new URL("../../src/config/defineConfig.ts", import.meta.url));
const loadModule = fileURLToPath(new URL("../../src/config/load.ts", import.meta.url));
const trustSupport = fileURLToPath(new URL("../support/trust.ts", import.meta.url));
const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

/**
 * A temp tree; the root doubles as home so neither the search nor the global file leaves it.
 * Its project files are trusted as written (these tests are about what a loaded file gives).
 */
const tree = (files: Record<string, string>) => {
  const root = mkdtempSync(join(tmpdir(), "cs-config-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const projectFiles = Object.keys(files).filter((path) => !path.startsWith("global/") && PROJECT_PLACES.some((place) => path === place || path.endsWith(`/${place}`)));
  trustAsIs(projectFiles.map((path) => join(root, path)), { home: root });
  const options = (cwd = "", extra: Partial<LoadConfigOptions> = {}): LoadConfigOptions =>
    ({ cwd: join(root, cwd), home: root, globalDir: join(root, "global"), env: {}, ...extra });
  return { root, options };
};

const tsConfig = (body: string) =>
  `import { defineConfig } from ${JSON.stringify(defineConfigModule)};\nexport default defineConfig(${body});\n`;

const configError = async (loading: Promise<unknown>): Promise<ConfigError> => {
  const error = await loading.then(() => undefined, (e: unknown) => e);
  if (error instanceof ConfigError) return error;
  throw new Error(`expected a ConfigError, got ${String(error)}`);
};

test("finds a TS config from a subdirectory and fills in the defaults", async () => {
  const { root, options } = tree({
    "proj/codex-supervisor.config.ts": tsConfig(`{ codex: { args: ["-m", "o3"] }, watchdog: { pluginTimeout: "250ms" } }`),
    "proj/src/deep/.keep": "",
  });
  const { config, files } = await loadConfig(options("proj/src/deep"));
  expect(files).toEqual([join(root, "proj/codex-supervisor.config.ts")]);
  expect(config.codex).toEqual({ bin: "codex", args: ["-m", "o3"], home: join(root, ".codex") });
  expect(config.watchdog.pluginTimeout).toBe(250);
  expect(config.python).toEqual({ discover: true, names: [".venv", "venv"] });
  expect(config.database.path).toBe(join(root, ".local/state/codex-supervisor/supervisor.db"));
});

test("reads a JSON rc file, anchoring its relative paths to the file", async () => {
  const { root, options } = tree({ "proj/.codex-supervisorrc.json": `{ "database": { "path": "data/jobs.db" }, "codex": { "home": "~/ch" } }` });
  const { config } = await loadConfig(options("proj"));
  expect(config.database.path).toBe(join(root, "proj/data/jobs.db"));
  expect(config.codex.home).toBe(join(root, "ch"));
});

test("reads the codex-supervisor key of package.json, and skips a package.json without one", async () => {
  const { root, options } = tree({
    "proj/package.json": JSON.stringify({ name: "p", "codex-supervisor": { python: { discover: false } } }),
    "proj/sub/package.json": JSON.stringify({ name: "sub" }),
  });
  const { config, files } = await loadConfig(options("proj/sub"));
  expect(files).toEqual([join(root, "proj/package.json")]);
  expect(config.python.discover).toBe(false);
});

test("merges the project file over the global one: objects deeply, arrays replaced", async () => {
  const { root, options } = tree({
    "global/config.json": JSON.stringify({ codex: { bin: "/opt/codex", args: ["-a", "b"] }, python: { names: ["env"] } }),
    "proj/.codex-supervisorrc": "codex:\n  args: [\"-m\", \"o3\"]\n",
  });
  const { config, files } = await loadConfig(options("proj"));
  expect(files).toEqual([join(root, "global/config.json"), join(root, "proj/.codex-supervisorrc")]);
  expect(config.codex.bin).toBe("/opt/codex");
  expect(config.codex.args).toEqual(["-m", "o3"]);
  expect(config.python.names).toEqual(["env"]);
});

test("an explicit file replaces the search but still goes over the global one", async () => {
  const { root, options } = tree({
    "global/config.ts": tsConfig(`{ python: { venv: "/g/venv" } }`),
    "proj/codex-supervisor.config.ts": tsConfig(`{ codex: { bin: "found" } }`),
    "elsewhere/mine.json": `{ "codex": { "bin": "mine" } }`,
  });
  const { config, files } = await loadConfig(options("proj", { explicitFile: "../elsewhere/mine.json" }));
  expect(files).toEqual([join(root, "global/config.ts"), join(root, "elsewhere/mine.json")]);
  expect(config.codex.bin).toBe("mine");
  expect(config.python.venv).toBe("/g/venv");
});

test("CODEX_SUPERVISOR_DB and CODEX_SUPERVISOR_CODEX beat the files; CODEX_HOME is only the default", async () => {
  const { options } = tree({ "proj/.codex-supervisorrc.json": `{ "database": { "path": "/f.db" }, "codex": { "bin": "f", "home": "/fh" } }` });
  const env = { CODEX_SUPERVISOR_DB: "/env.db", CODEX_SUPERVISOR_CODEX: "envcodex", CODEX_HOME: "/envhome" };
  const { config } = await loadConfig(options("proj", { env }));
  expect(config.database.path).toBe("/env.db");
  expect(config.codex.bin).toBe("envcodex");
  expect(config.codex.home).toBe("/fh");
  const bare = await loadConfig(options("", { env }));
  expect(bare.config.codex.home).toBe("/envhome");
  expect(bare.files).toEqual([]);
});

test("an unknown key is an issue with a did-you-mean, at every level", async () => {
  const { root, options } = tree({ "proj/.codex-supervisorrc.json": `{ "codx": {}, "python": { "discovr": true, "zzzzzz": 1 } }` });
  const error = await configError(loadConfig(options("proj")));
  expect(error.file).toBe(join(root, "proj/.codex-supervisorrc.json"));
  expect(error.issues).toEqual([
    { path: "python.discovr", message: `unknown key (did you mean "discover"?)` },
    { path: "python.zzzzzz", message: "unknown key (expected one of: venv, python, discover, names)" },
    { path: "codx", message: `unknown key (did you mean "codex"?)` },
  ]);
});

test("a wrong type names the key path, what was expected and what was found", async () => {
  const { options } = tree({ "proj/codex-supervisor.config.ts": `export default { codex: { bin: 42, args: ["ok", 7] } };\n` });
  const error = await configError(loadConfig(options("proj")));
  expect(error.issues).toEqual([
    { path: "codex.bin", message: "expected a string, got number" },
    { path: "codex.args.1", message: "expected a string, got number" },
  ]);
});

test("a bad duration says what a duration looks like", async () => {
  const { options } = tree({ "proj/.codex-supervisorrc.json": `{ "watchdog": { "interval": "5 sec" } }` });
  const error = await configError(loadConfig(options("proj")));
  expect(error.issues).toEqual([{ path: "watchdog.interval", message: `expected a duration like "250ms", "5s", "45m", "1h" or "14d", got "5 sec"` }]);
});

test("a TS file that does not compile is a ConfigError naming it, and nothing is written beside it", async () => {
  const { root, options } = tree({ "proj/codex-supervisor.config.ts": `export default { codex: { bin: "x" } ;;; }}}\n` });
  const before = readdirSync(join(root, "proj"));
  const error = await configError(loadConfig(options("proj")));
  expect(error.file).toBe(join(root, "proj/codex-supervisor.config.ts"));
  expect(error.issues).toHaveLength(1);
  expect(error.issues[0]!.message).toMatch(/^could not be imported: /);
  expect(readdirSync(join(root, "proj"))).toEqual(before);
});

test("a default export that is not an object, or a JSON syntax error, is a ConfigError naming the file", async () => {
  const { root, options } = tree({
    "a/codex-supervisor.config.ts": `export default ["codex"];\n`,
    "b/.codex-supervisorrc.json": `{ "codex": `,
  });
  const notObject = await configError(loadConfig(options("a")));
  expect(notObject.issues).toEqual([{ path: "", message: "the default export must be a config object, got array" }]);
  const badJson = await configError(loadConfig(options("b")));
  expect(badJson.file).toBe(join(root, "b/.codex-supervisorrc.json"));
  expect(badJson.issues[0]!.message).toMatch(/^invalid JSON: /);
});

test("a missing explicit file is a clear error naming it", async () => {
  const { root, options } = tree({});
  const error = await configError(loadConfig(options("", { explicitFile: "nope.ts" })));
  expect(error.file).toBe(join(root, "nope.ts"));
  expect(error.issues).toEqual([{ path: "", message: "file not found" }]);
});

// Run by Bun itself: under vitest the import goes through Vite, which is not what users run.
test("under Bun, an edited TS config is re-imported rather than served from the module cache", () => {
  const { root } = tree({ "proj/codex-supervisor.config.ts": tsConfig(`{ codex: { bin: "one" } }`) });
  const file = join(root, "proj/codex-supervisor.config.ts");
  const script = `
    import { writeFileSync, utimesSync } from "node:fs";
    import { loadConfig } from ${JSON.stringify(loadModule)};
    import { trustAsIs } from ${JSON.stringify(trustSupport)};
    const options = { cwd: ${JSON.stringify(join(root, "proj"))}, home: ${JSON.stringify(root)}, globalDir: ${JSON.stringify(join(root, "global"))}, env: {} };
    const first = (await loadConfig(options)).config.codex.bin;
    writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(tsConfig(`{ codex: { bin: "two" } }`))});
    utimesSync(${JSON.stringify(file)}, new Date(), new Date(Date.now() + 5000));
    trustAsIs([${JSON.stringify(file)}], { home: ${JSON.stringify(root)} });
    const second = (await loadConfig(options)).config.codex.bin;
    console.log(JSON.stringify([first, second]));`;
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(JSON.parse(run.stdout)).toEqual(["one", "two"]);
});

test("the Effect version fails with the same ConfigError", async () => {
  const { options } = tree({ ".codex-supervisorrc.json": `{ "codex": { "bin": 1 } }` });
  const exit = await Effect.runPromiseExit(loadConfigEffect(options()));
  expect(Exit.isFailure(exit)).toBe(true);
  const error = await Effect.runPromise(Effect.flip(loadConfigEffect(options())));
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.issues).toEqual([{ path: "codex.bin", message: "expected a string, got number" }]);
});

test("finds a config under .config/, relative paths anchored to that file", async () => {
  const { root, options } = tree({ "proj/.config/codex-supervisorrc.yaml": "database:\n  path: jobs.db\n" });
  const { config, files } = await loadConfig(options("proj"));
  expect(files).toEqual([join(root, "proj/.config/codex-supervisorrc.yaml")]);
  expect(config.database.path).toBe(join(root, "proj/.config/jobs.db"));
});

test("two config files in one folder are an error naming both, trusted or not; a read-only load skips them saying so", async () => {
  const { root, options } = tree({ "proj/.codex-supervisorrc.json": "{}", "proj/codex-supervisor.config.yml": "policies: []\n" });
  const both = [join(root, "proj/.codex-supervisorrc.json"), join(root, "proj/codex-supervisor.config.yml")];
  const error = await configError(loadConfig(options("proj")));
  expect(error.issues[0]?.message).toBe(`2 config files in one folder: ${both.join(" and ")}; keep one (merge the other into it and remove it)`);
  const skipped = await loadConfig(options("proj", { badProject: "skip" }));
  expect(skipped.files).toEqual([]);
  expect(skipped.skipped?.error?.issues[0]?.message).toContain(both.join(" and "));
});

test("a global-only key is refused in a project file, naming the key, and taken from the global file or --config", async () => {
  const { root, options } = tree({
    "global/config.json": `{ "watchdog": { "interval": "2s" } }`,
    "proj/.codex-supervisorrc.json": `{ "watchdog": { "interval": "1s" }, "schedules": [] }`,
    "other.json": `{ "watchdog": { "interval": "3s" } }`,
  });
  const error = await configError(loadConfig(options("proj")));
  expect(error.file).toBe(join(root, "proj/.codex-supervisorrc.json"));
  expect(error.issues.map((i) => i.path)).toEqual(["watchdog.interval", "schedules"]);
  expect(error.issues[0]?.message).toMatch(/^a project config cannot set this \(one watchdog looks at every project's jobs, at one interval\): set it in the global config/);
  expect((await loadConfig(options(""))).config.watchdog.interval).toBe(2000);
  expect((await loadConfig(options("proj", { explicitFile: join(root, "other.json") }))).config.watchdog.interval).toBe(3000);
});
