import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { ownershipProblem } from "../../src/config/ownership.ts";
import { trustFilePath } from "../../src/config/trust.ts";
import { listTrusted, trustFile, trustProject, untrustProject } from "../../src/config/trustProject.ts";
import { ConfigError } from "../../src/core/errors.ts";

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** A temp home holding a global config dir, a project and a marker path a config's code would write. */
const home = (files: Record<string, string>) => {
  const root = mkdtempSync(join(tmpdir(), "cs-trust-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text.replaceAll("$ROOT", root));
  }
  const where = { home: root, globalDir: join(root, "global"), env: {} };
  return { root, where, marker: join(root, "marker"), proj: join(root, "proj"), options: { cwd: join(root, "proj"), ...where } };
};

/** A TS config whose import writes the marker: running it is visible. */
const MARKING_TS = `import { appendFileSync } from "node:fs";\nappendFileSync("$ROOT/marker", "config ran\\n");\nexport default { policies: [{ name: "max-runtime", when: { runtimeOver: "1s" }, do: ["kill"] }] };\n`;
const MARKING_PLUGIN = `import { appendFileSync } from "node:fs";\nappendFileSync("$ROOT/marker", "plugin ran\\n");\nexport default { name: "marking" };\n`;
const GLOBAL = JSON.stringify({ policies: [{ name: "global-one", when: { runtimeOver: "1h" }, do: ["kill"] }] });

const configError = async (loading: Promise<unknown>): Promise<ConfigError> => {
  const error = await loading.then(() => undefined, (e: unknown) => e);
  if (error instanceof ConfigError) return error;
  throw new Error(`expected a ConfigError, got ${String(error)}`);
};

describe("an untrusted project config", () => {
  test("is not imported: the global config applies and the result names the file and the command that trusts it", async () => {
    const { proj, marker, options } = home({ "proj/codex-supervisor.config.ts": MARKING_TS, "global/config.json": GLOBAL });
    const loaded = await loadConfig(options);
    expect(existsSync(marker)).toBe(false);
    expect(loaded.files).toEqual([join(options.globalDir, "config.json")]);
    expect(loaded.config.policies.map((p) => p.name)).toEqual(["global-one"]);
    expect(loaded.skipped).toMatchObject({ file: join(proj, "codex-supervisor.config.ts"), reason: "it was never trusted", fix: `codex-supervisor trust ${proj}` });
  });

  test("once trusted it applies; an edit makes it untrusted again until trusted again", async () => {
    const { proj, marker, options } = home({ "proj/codex-supervisor.config.ts": MARKING_TS });
    const file = join(proj, "codex-supervisor.config.ts");
    await trustProject(options);
    expect(readFileSync(marker, "utf8")).toBe("config ran\n"); // trusting loads it, once
    const trusted = await loadConfig(options);
    expect(trusted.skipped).toBeUndefined();
    expect(trusted.config.policies.map((p) => p.name)).toEqual(["max-runtime"]);

    writeFileSync(file, readFileSync(file, "utf8").replace(`"1s"`, `"2s"`));
    const edited = await loadConfig(options);
    expect(edited.skipped?.reason).toBe("it was edited since it was trusted");
    expect(edited.config.policies).toEqual([]);
    expect(readFileSync(marker, "utf8")).toBe("config ran\n"); // the edit never ran

    await trustProject(options);
    expect((await loadConfig(options)).config.policies[0]?.when).toEqual({ runtimeOver: 2000 });
  });

  test("a JSON config's plugin file is neither imported before trust nor after it changed; a notify command never applies", async () => {
    const { proj, marker, options } = home({
      "proj/.codex-supervisorrc.json": JSON.stringify({
        plugins: ["./marking.ts", ["notify", { command: ["touch", "$ROOT/marker"] }]],
        policies: [{ name: "tell", when: { runtimeOver: "1s" }, do: ["notify"] }],
      }),
      "proj/marking.ts": MARKING_PLUGIN,
    });
    const untrusted = await loadConfig(options);
    expect(untrusted.config.plugins).toEqual([]);
    expect(untrusted.config.policies).toEqual([]);
    const { pluginFiles } = await trustProject(options);
    expect(pluginFiles).toEqual([join(proj, "marking.ts")]);
    expect(existsSync(marker)).toBe(false); // trusting a JSON config loads no plugin
    expect((await loadConfig(options)).config.plugins).toEqual([join(proj, "marking.ts"), ["notify", { command: ["touch", join(options.home, "marker")] }]]);

    writeFileSync(join(proj, "marking.ts"), `${MARKING_PLUGIN}// edited\n`);
    const changed = await loadConfig(options);
    expect(changed.skipped?.reason).toBe(`its plugin file ${join(proj, "marking.ts")} was edited since it was trusted`);
    expect(changed.config.plugins).toEqual([]);
    expect(listTrusted(options).files.map((f) => f.state)).toEqual(["plugin changed"]);
  });

  test("a trusted TS config that names a plugin file it did not name when trusted is not applied", async () => {
    const { proj, options } = home({
      "proj/codex-supervisor.config.ts": `import { existsSync } from "node:fs";\nexport default { plugins: existsSync("$ROOT/flag") ? ["./late.ts"] : [] };\n`,
      "proj/late.ts": `export default { name: "late" };\n`,
    });
    const file = join(proj, "codex-supervisor.config.ts");
    await trustProject(options);
    writeFileSync(join(options.home, "flag"), "");
    utimesSync(file, new Date(), new Date(Date.now() + 5000)); // the same bytes, imported anew
    const loaded = await loadConfig(options);
    expect(loaded.skipped?.reason).toBe(`it names the plugin file ${join(proj, "late.ts")}, which it did not when it was trusted`);
    expect(loaded.config.plugins).toEqual([]);
  });

  test("`$import` is refused: it would load files no trust record covers", async () => {
    const { options, proj } = home({ "proj/.codex-supervisorrc.json": JSON.stringify({ $import: "./other.json" }), "proj/other.json": "{}" });
    const error = await configError(trustProject(options));
    expect(error.file).toBe(join(proj, ".codex-supervisorrc.json"));
    expect(error.issues[0]?.message).toMatch(/^`\$import` is not supported/);
    expect(listTrusted(options).files).toEqual([]); // nothing recorded
  });

  test("a file that does not load is not trusted: the error says why and nothing is recorded", async () => {
    const { options } = home({ "proj/.codex-supervisorrc.json": `{ "watchdog": { "interval": "5 sec" } }` });
    const error = await configError(trustProject(options));
    expect(error.issues).toEqual([{ path: "watchdog.interval", message: `expected a duration like "250ms", "5s", "45m", "1h" or "14d", got "5 sec"` }]);
    expect(listTrusted(options).files).toEqual([]);
  });

  test("`trust` where no project file is found says where it looked", async () => {
    const { options, proj } = home({ "proj/.keep": "" });
    const error = await configError(trustProject(options));
    expect(error.file).toBe(proj);
    expect(error.issues[0]?.message).toMatch(/^no project config file here or in a folder above it \(looked for package\.json's "codex-supervisor" key, \.codex-supervisorrc/);
  });
});

describe("the trust record", () => {
  test("is private: 0600 in a 0700 folder, under the user's state dir", async () => {
    const { options, root } = home({ "proj/.codex-supervisorrc.json": "{}" });
    await trustProject(options);
    const path = trustFilePath({ env: {}, platform: process.platform, home: root });
    expect(path).toBe(process.platform === "darwin" ? join(root, "Library/Application Support/codex-supervisor/trusted.json") : join(root, ".local/state/codex-supervisor/trusted.json"));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });

  test("untrust removes the entry; list shows each file's state", async () => {
    const { options, proj } = home({ "proj/.codex-supervisorrc.json": "{}", "other/.codex-supervisorrc.json": "{}" });
    await trustProject(options);
    await trustProject({ ...options, cwd: join(options.home, "other") });
    writeFileSync(join(options.home, "other/.codex-supervisorrc.json"), `{ "plugins": [] }`);
    expect(listTrusted(options).files.map((f) => [f.file, f.state])).toEqual([
      [join(proj, ".codex-supervisorrc.json"), "trusted"],
      [join(options.home, "other/.codex-supervisorrc.json"), "edited"],
    ]);
    expect(untrustProject(options)).toEqual({ file: join(proj, ".codex-supervisorrc.json"), removed: true });
    expect((await loadConfig(options)).skipped?.reason).toBe("it was never trusted");
    expect(untrustProject(options).removed).toBe(false);
  });

  test("one writable by others is not relied on: every project file is untrusted", async () => {
    const { options, root } = home({ "proj/.codex-supervisorrc.json": "{}" });
    await trustProject(options);
    const path = trustFilePath({ env: {}, platform: process.platform, home: root });
    chmodSync(path, 0o666);
    const loaded = await loadConfig(options);
    expect(loaded.skipped?.reason).toMatch(/^the trust record .* is writable by others/);
    expect(loaded.files).toEqual([]);
  });
});

describe("ownership, whatever the trust record says", () => {
  test("a trusted project file made writable by others, or its folder, is not loaded", async () => {
    const { options, proj } = home({ "proj/.codex-supervisorrc.json": "{}" });
    await trustProject(options);
    const file = join(proj, ".codex-supervisorrc.json");
    chmodSync(file, 0o666);
    expect((await loadConfig(options)).skipped?.reason).toMatch(/^refusing to load .*: its file .* is writable by others \(mode 666/);
    expect((await loadConfig(options)).skipped?.fix).toBeUndefined();
    chmodSync(file, 0o644);
    chmodSync(proj, 0o777);
    expect((await loadConfig(options)).skipped?.reason).toMatch(/its directory .* is writable by others \(mode 777/);
    await expect(trustProject(options)).rejects.toThrow(ConfigError);
  });

  test.runIf(isRoot)("a trusted project file or plugin file owned by another user is not loaded", async () => {
    const { options, proj, marker } = home({
      "proj/.codex-supervisorrc.json": JSON.stringify({ plugins: ["./marking.ts"] }),
      "proj/marking.ts": MARKING_PLUGIN,
    });
    await trustProject(options);
    chownSync(join(proj, ".codex-supervisorrc.json"), NOBODY, NOBODY);
    expect((await loadConfig(options)).skipped?.reason).toMatch(new RegExp(`its file .* belongs to uid ${NOBODY}, not to you or root`));
    chownSync(join(proj, ".codex-supervisorrc.json"), 0, 0);
    chownSync(join(proj, "marking.ts"), NOBODY, NOBODY);
    expect(ownershipProblem(join(proj, "marking.ts"))).toMatch(/belongs to uid 65534/);
    expect((await configError(trustProject(options))).issues[0]?.message).toMatch(/marking\.ts: its file .* belongs to uid 65534/);
    expect(existsSync(marker)).toBe(false);
  });

  test.runIf(isRoot)("running as root, a file in a folder a non-root user owns, higher up, is refused", () => {
    const { proj } = home({ "proj/sub/.codex-supervisorrc.json": "{}" });
    chownSync(proj, NOBODY, NOBODY);
    chmodSync(proj, 0o755);
    expect(ownershipProblem(join(proj, "sub/.codex-supervisorrc.json"), 0)).toMatch(new RegExp(`its directory ${proj} belongs to uid ${NOBODY}`));
  });

  test.runIf(isRoot)("the global config owned by another user is a config error, not applied", async () => {
    const { options } = home({ "global/config.json": GLOBAL, "proj/.keep": "" });
    chownSync(join(options.globalDir, "config.json"), NOBODY, NOBODY);
    const error = await configError(loadConfig(options));
    expect(error.issues[0]?.message).toMatch(/belongs to uid 65534/);
  });

  test("trustFile refuses a plugin file writable by others", async () => {
    const { options, proj } = home({ "proj/.codex-supervisorrc.json": JSON.stringify({ plugins: ["./open.ts"] }), "proj/open.ts": "export default { name: 'open' };\n" });
    chmodSync(join(proj, "open.ts"), 0o666);
    expect((await configError(trustFile(join(proj, ".codex-supervisorrc.json"), options))).issues[0]?.message).toMatch(/open\.ts: its file .* is writable by others/);
  });
});
