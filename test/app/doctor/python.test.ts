import { expect, test } from "vitest";
import type { PythonEnv } from "../../../src/core/job.ts";
import {
  judgePython, LOGIN_SHELL_FIX, parseProbeOutput, type PythonFacts, type ShellKind, type ShellProbe, shellGets, usesLoginShell,
} from "../../../src/app/doctor/python.ts";

const VENV = "/work/app/.venv";
const venv: PythonEnv = { kind: "venv", venv: VENV, python: `${VENV}/bin/python`, source: "discovered" };

const probe = (shell: ShellKind, prefix: string | undefined, extra: Partial<ShellProbe> = {}): ShellProbe => ({
  shell, timedOut: false, timeoutMs: 10_000, error: undefined,
  pythons: prefix === undefined
    ? [{ name: "python", path: undefined, prefix: undefined, executable: undefined }, { name: "python3", path: undefined, prefix: undefined, executable: undefined }]
    : [
      { name: "python", path: `${prefix}/bin/python`, prefix, executable: `${prefix}/bin/python3.12` },
      { name: "python3", path: `${prefix}/bin/python3`, prefix, executable: `${prefix}/bin/python3.12` },
    ],
  ...extra,
});

const facts = (over: Partial<PythonFacts> = {}): PythonFacts => ({
  cwd: "/work/app", env: venv, problem: undefined, target: { prefix: VENV }, configFile: undefined,
  supervisor: probe("bash -c", VENV), otherLaunchHooks: [],
  plain: { login: probe("bash -lc", "/usr"), nonLogin: probe("bash -c", VENV) },
  ...over,
});

const byId = (checks: ReturnType<typeof judgePython>, id: string) => checks.find((c) => c.id === id);

test("the probe's marked lines are read and whatever a profile prints around them is ignored", () => {
  const out = "Welcome!\n@@cs-doctor\tpython\t/usr/bin/python\t/usr\t/usr/bin/python3.11\nmesg: ttyname failed\n@@cs-doctor\tpython3\t\t\t\n";
  expect(parseProbeOutput(out)).toEqual([
    { name: "python", path: "/usr/bin/python", prefix: "/usr", executable: "/usr/bin/python3.11" },
    { name: "python3", path: undefined, prefix: undefined, executable: undefined },
  ]);
});

test("a venv counts as kept only when both python and python3 run in it", () => {
  expect(shellGets(probe("bash -c", VENV), { prefix: VENV })).toBe(true);
  const half = probe("bash -c", VENV);
  expect(shellGets({ ...half, pythons: [half.pythons[0]!, { ...half.pythons[1]!, prefix: "/usr" }] }, { prefix: VENV })).toBe(false);
  expect(shellGets(probe("bash -c", VENV, { timedOut: true }), { prefix: VENV })).toBe(false);
});

test("plain codex exec losing the venv to its login shell is a warning with the allow_login_shell fix", () => {
  const checks = judgePython(facts());
  expect(byId(checks, "python.supervisor")?.status).toBe("ok");
  const plain = byId(checks, "python.plain-codex");
  expect(plain?.status).toBe("warn");
  expect(plain?.fix).toBe(LOGIN_SHELL_FIX);
  expect(plain?.detail).toContain("python → /usr/bin/python (prefix /usr)");
  expect(plain?.detail).toContain("allow_login_shell=false (`bash -c`) they get the venv");
});

test("a login shell that keeps the venv is fine for plain codex exec too", () => {
  const checks = judgePython(facts({ plain: { login: probe("bash -lc", VENV), nonLogin: probe("bash -c", VENV) } }));
  expect(checks.map((c) => c.status)).toEqual(["ok", "ok"]);
});

test("a supervised job whose shell misses the venv fails", () => {
  const check = byId(judgePython(facts({ supervisor: probe("bash -lc", "/usr") })), "python.supervisor");
  expect(check?.status).toBe("fail");
  expect(check?.detail).toContain("`bash -lc`");
  expect(check?.fix).toContain("beforeLaunch");
});

test("a venv that does not exist fails with how to create it, and nothing else is judged", () => {
  const checks = judgePython(facts({ env: { ...venv, source: "config" }, problem: `${VENV} is not a virtual environment`, configFile: "/work/app/.codex-supervisorrc.json" }));
  expect(checks).toHaveLength(1);
  expect(checks[0]).toMatchObject({ id: "python.supervisor", status: "fail" });
  expect(checks[0]?.fix).toContain("python.venv in /work/app/.codex-supervisorrc.json");
});

test("a login shell that does not answer in time is a warning, not a hang or a verdict", () => {
  const checks = judgePython(facts({ plain: { login: probe("bash -lc", undefined, { timedOut: true, pythons: [] }), nonLogin: probe("bash -c", VENV) } }));
  const plain = byId(checks, "python.plain-codex");
  expect(plain?.status).toBe("warn");
  expect(plain?.detail).toContain("did not finish within 10 s");
});

test("with no venv there is nothing to lose: one ok check", () => {
  const checks = judgePython(facts({ env: { kind: "none", source: "none" }, target: {}, supervisor: probe("bash -lc", "/usr"), plain: undefined }));
  expect(checks).toEqual([expect.objectContaining({ id: "python.supervisor", status: "ok" })]);
});

test("the last -c allow_login_shell decides the shell Codex uses", () => {
  expect(usesLoginShell(["exec", "-"])).toBe(true);
  expect(usesLoginShell(["exec", "-c", "allow_login_shell=false", "-"])).toBe(false);
  expect(usesLoginShell(["exec", "-c", "allow_login_shell=false", "--config", "allow_login_shell=true"])).toBe(true);
});
