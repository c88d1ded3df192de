import { expect, test } from "vitest";
import { choosePython, discoverVenv } from "../../src/core/python.ts";
import { applyPythonEnv, execArgs } from "../../src/core/launch.ts";

const files = (...paths: string[]) => ({ isFile: (p: string) => paths.includes(p) });
const settings = { discover: true, names: [".venv", "venv"] };

test("finds the nearest .venv from a subdirectory upward", () => {
  const probe = files("/repo/.venv/pyvenv.cfg", "/.venv/pyvenv.cfg");
  expect(discoverVenv("/repo/src/pkg", [".venv", "venv"], probe)).toBe("/repo/.venv");
});

test("an explicit option beats config, which beats discovery, which beats the caller's VIRTUAL_ENV", () => {
  const probe = files("/repo/.venv/pyvenv.cfg");
  expect(choosePython({ venv: "/opt/env" }, { ...settings, venv: "/cfg/env" }, "/repo", "/caller", probe)).toMatchObject({ venv: "/opt/env", source: "option" });
  expect(choosePython({}, { ...settings, venv: "/cfg/env" }, "/repo", "/caller", probe)).toMatchObject({ venv: "/cfg/env", source: "config" });
  expect(choosePython({}, settings, "/repo/sub", "/caller", probe)).toMatchObject({ venv: "/repo/.venv", python: "/repo/.venv/bin/python", source: "discovered" });
  expect(choosePython({}, settings, "/elsewhere", "/caller", probe)).toMatchObject({ venv: "/caller", source: "caller" });
  expect(choosePython({ noVenv: true }, settings, "/repo", "/caller", probe)).toMatchObject({ kind: "none" });
});

test("the venv's bin leads PATH, the caller's old venv leaves it, and Codex is told not to use a login shell", () => {
  const spec = applyPythonEnv({
    jobId: "j", bin: "codex", cwd: "/repo", prompt: "p",
    args: execArgs("j", [], ["-m", "o3"]),
    env: { PATH: "/old/venv/bin:/usr/bin", VIRTUAL_ENV: "/old/venv", PYTHONHOME: "/x" },
    python: { kind: "venv", venv: "/repo/.venv", python: "/repo/.venv/bin/python", source: "discovered" },
  });
  expect(spec.env.PATH).toBe("/repo/.venv/bin:/usr/bin");
  expect(spec.env.VIRTUAL_ENV).toBe("/repo/.venv");
  expect(spec.env.PYTHONHOME).toBeUndefined();
  expect(spec.args.slice(0, 3)).toEqual(["exec", "-c", "allow_login_shell=false"]);
  expect(spec.args.at(-1)).toBe("-");
});
