import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configFingerprint } from "../../src/config/fingerprint.ts";
import { trustFilePath } from "../../src/config/trust.ts";

let root: string;
beforeEach(() => { root = mkdtempSync(join(tmpdir(), "cs-fingerprint-")); });
afterEach(() => rmSync(root, { recursive: true, force: true }));

const options = () => ({ cwd: join(root, "home", "project", "sub"), home: join(root, "home"), globalDir: join(root, "global"), env: {} });

describe("configFingerprint", () => {
  beforeEach(() => {
    mkdirSync(join(root, "home", "project", "sub"), { recursive: true });
    mkdirSync(join(root, "global"));
  });

  it("is stable while no config file changes", () => {
    writeFileSync(join(root, "home", "project", ".codex-supervisorrc.json"), "{}");
    expect(configFingerprint(options())).toBe(configFingerprint(options()));
  });

  it("changes when a project file appears, is edited or goes, at any level up to home", () => {
    const before = configFingerprint(options());
    const file = join(root, "home", "project", "codex-supervisor.config.ts");
    writeFileSync(file, "export default {}");
    const created = configFingerprint(options());
    expect(created).not.toBe(before);
    writeFileSync(file, "export default { watchdog: { interval: '1s' } }");
    const edited = configFingerprint(options());
    expect(edited).not.toBe(created);
    unlinkSync(file);
    expect(configFingerprint(options())).toBe(before);
  });

  it("changes with the global file and ignores files above home", () => {
    const before = configFingerprint(options());
    writeFileSync(join(root, ".codex-supervisorrc.json"), "{}");
    expect(configFingerprint(options())).toBe(before);
    writeFileSync(join(root, "global", "config.json"), "{}");
    expect(configFingerprint(options())).not.toBe(before);
  });

  it("with a memo, gives several directories the same fingerprints while stat-ing their shared parents once", () => {
    mkdirSync(join(root, "home", "project", "other"));
    writeFileSync(join(root, "home", "project", ".codex-supervisorrc.json"), "{}");
    const dirs = [options().cwd, join(root, "home", "project", "other")];
    const memo = new Map<string, string | undefined>();
    expect(dirs.map((cwd) => configFingerprint({ ...options(), cwd }, memo))).toEqual(dirs.map((cwd) => configFingerprint({ ...options(), cwd })));
    // one entry per path: both global places, both cwds, and the shared project dir, home and config file
    expect([...memo.keys()].filter((k) => k.endsWith(join("home", "project")) || k.endsWith(".codex-supervisorrc.json"))).toHaveLength(2);
    // a memo is one look: an edit after it shows with the next one
    const file = join(root, "home", "project", ".codex-supervisorrc.json");
    const before = configFingerprint(options(), memo);
    writeFileSync(file, '{"watchdog":{}}');
    expect(configFingerprint(options(), memo)).toBe(before);
    expect(configFingerprint(options(), new Map())).not.toBe(before);
  });

  it("follows only the explicit file when there is one", () => {
    const explicit = { ...options(), explicitFile: join(root, "mine.json") };
    writeFileSync(join(root, "mine.json"), "{}");
    const before = configFingerprint(explicit);
    writeFileSync(join(root, "home", "project", ".codex-supervisorrc.json"), "{}");
    expect(configFingerprint(explicit)).toBe(before);
    writeFileSync(join(root, "mine.json"), '{"watchdog":{}}');
    expect(configFingerprint(explicit)).not.toBe(before);
  });

  it("changes when the trust record does: a `trust` or `untrust` changes what applies without touching the file", () => {
    writeFileSync(join(root, "home", "project", ".codex-supervisorrc.json"), "{}");
    const before = configFingerprint(options());
    const record = trustFilePath({ env: {}, platform: process.platform, home: join(root, "home") });
    mkdirSync(dirname(record), { recursive: true });
    writeFileSync(record, '{"version":1,"configs":{}}');
    expect(configFingerprint({ ...options() })).not.toBe(before);
  });

  it("changes when a plugin file a trusted config names is edited", () => {
    const plugin = join(root, "home", "project", "plugin.ts");
    writeFileSync(plugin, "export default { name: 'p' };");
    const record = trustFilePath({ env: {}, platform: process.platform, home: join(root, "home") });
    mkdirSync(dirname(record), { recursive: true });
    writeFileSync(record, JSON.stringify({ version: 1, configs: { [join(root, "home", "project", ".codex-supervisorrc.json")]: { sha256: "x", plugins: { [plugin]: "y" }, trustedAt: "now" } } }));
    const before = configFingerprint(options());
    expect(configFingerprint(options())).toBe(before);
    writeFileSync(plugin, "export default { name: 'p', onTick() {} };");
    expect(configFingerprint(options())).not.toBe(before);
  });
});
