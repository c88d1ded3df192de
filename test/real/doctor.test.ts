import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { DoctorReport } from "../../src/app/doctor/index.ts";
import { createSandbox, type Sandbox } from "./support/harness.ts";
import { trustAsIs } from "../support/trust.ts";

// Drives the real CLI: real bash login shells, a real venv, the pinned codex binary.
let sb: Sandbox;
beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

const MARKER = "cs_doctor_marker";
const FIX = "start jobs with codex-supervisor (it launches with -c allow_login_shell=false), or run codex exec -c allow_login_shell=false";

/** A project with a .venv (no pip: nothing to download) holding a module only that venv has. */
const venvProject = (name: string) => {
  const dir = sb.project(name);
  const made = Bun.spawnSync(["python3", "-m", "venv", "--without-pip", join(dir, ".venv")], { env: sb.env });
  if (made.exitCode !== 0) throw new Error(`python3 -m venv failed: ${made.stderr.toString()}`);
  const lib = join(dir, ".venv", "lib");
  const site = join(lib, readdirSync(lib)[0]!, "site-packages");
  writeFileSync(join(site, `${MARKER}.py`), "VALUE = 42\n");
  return dir;
};

/** What a user who activated the venv has when they run `codex exec`. */
const activated = (dir: string, env: Record<string, string>) =>
  ({ ...env, VIRTUAL_ENV: join(dir, ".venv"), PATH: `${join(dir, ".venv", "bin")}:${env.PATH}` });

/** Whether the marker imports in the shell Codex would use for a tool command. */
const importsMarker = (flag: "-lc" | "-c", dir: string, env: Record<string, string>) =>
  Bun.spawnSync(["/bin/bash", flag, `python -c "import ${MARKER}"`], { cwd: dir, env: activated(dir, env) }).exitCode === 0;

const check = (report: DoctorReport, id: string) => {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${JSON.stringify(report.checks.map((c) => c.id))}`);
  return found;
};

/** A home whose login profile resets PATH, as Debian's /etc/profile and macOS's path_helper do. */
const resettingHome = () => {
  const home = sb.project("home-resets-path");
  writeFileSync(join(home, ".bash_profile"), "export PATH=/usr/bin:/bin\n");
  return home;
};

test("in a project whose .venv plain Codex would miss, doctor reports the mismatch and the fix", async () => {
  const dir = venvProject("venv-missed");
  const env = { ...sb.env, HOME: resettingHome() };
  // The premise, checked the way Codex runs tools: the login shell loses the venv, a plain one keeps it.
  expect(importsMarker("-lc", dir, env)).toBe(false);
  expect(importsMarker("-c", dir, env)).toBe(true);

  const r = await sb.cli(["doctor", "--cwd", dir, "--json"], { env: { HOME: env.HOME } });
  const report = r.json<DoctorReport>();
  const plain = check(report, "python.plain-codex");
  expect(plain.status, plain.detail).toBe("warn");
  expect(plain.detail).toContain(join(dir, ".venv"));
  expect(plain.detail).toContain("`bash -lc`");
  expect(plain.fix).toBe(FIX);
  const supervised = check(report, "python.supervisor");
  expect(supervised.status, supervised.detail).toBe("ok");
  expect(supervised.detail).toContain(`python → ${join(dir, ".venv", "bin", "python")}`);
  // A warning is not a failure: everything else here is sound.
  expect(report.ok, JSON.stringify(report.checks.filter((c) => c.status === "fail"))).toBe(true);
  expect(r.code).toBe(0);

  const text = await sb.cli(["doctor", "--cwd", dir], { env: { HOME: env.HOME } });
  expect(text.stdout).toContain("! python for plain codex exec: ");
  expect(text.stdout).toContain(`    fix: ${FIX}`);
  expect(text.stdout).toContain("✓ python for supervised jobs: ");
});

test("doctor's verdict on plain codex exec agrees with what this machine's login shell really does", async () => {
  const dir = venvProject("venv-this-machine");
  const loginKeepsVenv = importsMarker("-lc", dir, sb.env);
  const report = (await sb.cli(["doctor", "--cwd", dir, "--json"])).json<DoctorReport>();
  const plain = check(report, "python.plain-codex");
  expect(plain.status, plain.detail).toBe(loginKeepsVenv ? "ok" : "warn");
  if (!loginKeepsVenv) expect(plain.fix).toBe(FIX);
});

test("a broken config file in the project fails doctor, naming the file and the key", async () => {
  const dir = sb.project("broken-config");
  const file = join(dir, ".codex-supervisorrc.json");
  writeFileSync(file, JSON.stringify({ codex: { bim: "codex" } }));
  trustAsIs([file], { home: sb.root, env: sb.env }); // trusted, then broken (`trust` itself refuses a broken file)
  const r = await sb.cli(["doctor", "--cwd", dir, "--json"]);
  expect(r.code).toBe(1);
  const report = r.json<DoctorReport>();
  expect(report.ok).toBe(false);
  const config = check(report, "config");
  expect(config.status).toBe("fail");
  expect(config.detail).toContain(file);
  expect(config.detail).toContain("codex.bim");
  expect(config.fix).toContain(`edit ${file}`);
  // The other checks still ran, on the defaults.
  expect(check(report, "codex.binary").status).toBe("ok");

  const text = await sb.cli(["doctor", "--cwd", dir]);
  expect(text.code).toBe(1);
  expect(text.stdout).toContain(`✗ config: ${file} is not valid`);
});

test("a healthy setup exits 0, and doctor creates and writes nothing", async () => {
  const dir = sb.project("healthy");
  const r = await sb.cli(["doctor", "--cwd", dir, "--json"]);
  const report = r.json<DoctorReport>();
  expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
  expect(r.code).toBe(0);
  expect(check(report, "codex.binary").detail).toMatch(/^codex-cli \d+\.\d+\.\d+/);
  expect(check(report, "database").detail).toContain("not created yet");
  expect(existsSync(sb.dbPath)).toBe(false);
  expect(readdirSync(dir)).toEqual([]);
  expect(report.checks.map((c) => c.id)).toEqual([
    "config", "codex.binary", "codex.home", "codex.state-db", "codex.history", "database", "python.supervisor", "kill.cgroup", "watchdog.service",
  ]);
});

test("Codex history in a format this version does not know fails doctor, with the Codex version", async () => {
  const home = join(sb.root, "future-codex-home");
  const day = join(home, "sessions", "2027", "03", "01");
  mkdirSync(day, { recursive: true });
  writeFileSync(join(day, "rollout-2027-03-01T10-00-00-abc.jsonl"), `${JSON.stringify({ v: 3, kind: "thread_header", cli_version: "1.4.0" })}\n`);
  const r = await sb.cli(["doctor", "--cwd", sb.project("future"), "--json"], { env: { CODEX_HOME: home } });
  expect(r.code).toBe(1);
  const history = check(r.json<DoctorReport>(), "codex.history");
  expect(history.status).toBe("fail");
  expect(history.detail).toContain("unsupported Codex history format (codex 1.4.0)");
});

test("an existing job database is checked in place: schema, integrity, nothing left beside it", async () => {
  expect((await sb.cli(["list", "--json"])).code).toBe(0); // creates the database
  const before = readdirSync(join(sb.root, "state")).sort();
  const database = check((await sb.cli(["doctor", "--json"])).json<DoctorReport>(), "database");
  expect(database.status, database.detail).toBe("ok");
  expect(database.detail).toContain("integrity ok");
  expect(readdirSync(join(sb.root, "state")).sort()).toEqual(before);
});
