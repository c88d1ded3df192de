import { expect, test } from "vitest";
import { codexBin, codexHome, databasePath, userConfigDir, userStateDir, type PathContext } from "../../src/config/paths.ts";

const linux = (env: PathContext["env"] = {}): PathContext => ({ env, platform: "linux", home: "/home/u" });
const mac = (env: PathContext["env"] = {}): PathContext => ({ env, platform: "darwin", home: "/Users/u" });

test("on Linux the config and state dirs follow XDG, falling back to ~/.config and ~/.local/state", () => {
  expect(userConfigDir(linux())).toBe("/home/u/.config/codex-supervisor");
  expect(userStateDir(linux())).toBe("/home/u/.local/state/codex-supervisor");
  const xdg = linux({ XDG_CONFIG_HOME: "/xdg/config", XDG_STATE_HOME: "/xdg/state" });
  expect(userConfigDir(xdg)).toBe("/xdg/config/codex-supervisor");
  expect(userStateDir(xdg)).toBe("/xdg/state/codex-supervisor");
});

test("an empty XDG variable counts as unset", () => {
  expect(userConfigDir(linux({ XDG_CONFIG_HOME: "" }))).toBe("/home/u/.config/codex-supervisor");
});

test("on macOS both dirs are Application Support, whatever XDG says", () => {
  const ctx = mac({ XDG_CONFIG_HOME: "/xdg" });
  expect(userConfigDir(ctx)).toBe("/Users/u/Library/Application Support/codex-supervisor");
  expect(userStateDir(ctx)).toBe("/Users/u/Library/Application Support/codex-supervisor");
});

test("the database lives in the state dir unless CODEX_SUPERVISOR_DB says otherwise", () => {
  expect(databasePath(linux())).toBe("/home/u/.local/state/codex-supervisor/supervisor.db");
  expect(databasePath(linux({ CODEX_SUPERVISOR_DB: "/tmp/x.db" }))).toBe("/tmp/x.db");
});

test("CODEX_HOME and CODEX_SUPERVISOR_CODEX override ~/.codex and `codex`", () => {
  expect(codexHome(linux())).toBe("/home/u/.codex");
  expect(codexHome(linux({ CODEX_HOME: "/ch" }))).toBe("/ch");
  expect(codexBin(linux())).toBe("codex");
  expect(codexBin(linux({ CODEX_SUPERVISOR_CODEX: "/opt/codex" }))).toBe("/opt/codex");
});
