/**
 * `codex-supervisor service` end to end, in a temp HOME and XDG_CONFIG_HOME. systemctl
 * and launchctl are stand-ins first on PATH that record what they were asked, so no
 * test ever reaches this machine's service managers (XDG_RUNTIME_DIR is a temp dir too).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, describe, expect, test } from "vitest";

const CLI = resolve(import.meta.dirname, "../../bin/codex-supervisor.ts");
const root = mkdtempSync(join(tmpdir(), "cs-service-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const script = (path: string, body: string) => {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
};

type Manager = "ok" | "no-bus" | "absent";

const sandbox = (manager: Manager) => {
  const home = mkdtempSync(join(root, "home-"));
  const bin = join(home, "bin");
  const runtime = join(home, "runtime");
  mkdirSync(bin);
  mkdirSync(runtime, { mode: 0o700 });
  const log = join(home, "asked.log");
  script(join(bin, "codex"), "exit 0");
  if (manager !== "absent") {
    for (const name of ["systemctl", "launchctl"]) {
      script(join(bin, name), manager === "ok"
        ? `echo "${name} $*" >> "${log}"; [ "$2" = is-active ] && echo active; exit 0`
        : `echo "${name} $*" >> "${log}"; echo "Failed to connect to bus: No medium found" >&2; exit 1`);
    }
  }
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_RUNTIME_DIR: runtime,
    PATH: `${bin}:/usr/bin:/bin`,
    CODEX_SUPERVISOR_CODEX: join(bin, "codex"),
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
  };
  const cli = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) => {
    const r = Bun.spawnSync([process.execPath, CLI, "service", ...args], { env: { ...env, ...extra }, cwd: home });
    return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const asked = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  return { home, env, cli, asked, unitPath: join(home, "config/systemd/user/codex-supervisor.service") };
};

describe("service install --print", () => {
  test("--systemd prints the unit, runs the watchdog from this checkout, and installs nothing", () => {
    const s = sandbox("ok");
    const r = s.cli(["install", "--print", "--systemd"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[Unit\]\n/);
    expect(r.stdout).toMatch(/^KillMode=process$/m);
    expect(r.stdout).toContain(`${CLI} watch\n`);
    expect(r.stderr).toBe("");
    expect(existsSync(s.unitPath)).toBe(false);
    expect(s.asked()).toEqual([]);
  });

  test("--launchd prints a well-formed plist on any OS", () => {
    const r = sandbox("ok").cli(["install", "--print", "--launchd"]);
    expect(r.code).toBe(0);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    expect(r.stdout).toMatch(/<key>AbandonProcessGroup<\/key>\s*<true\/>/);
  });

  test("--json gives the path it would write and the contents", () => {
    const s = sandbox("ok");
    for (const kind of ["systemd", "launchd"] as const) {
      const r = s.cli(["install", "--print", `--${kind}`, "--json"]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { action: string; kind: string; path: string; contents: string; warnings: string[] };
      expect(out).toMatchObject({ action: "print", kind, warnings: [] });
      expect(out.path.startsWith(s.home)).toBe(true);
      expect(out.contents).toContain("watch");
    }
  });
});

describe("service install", () => {
  test("with a working systemctl: writes the unit, enables and starts it", () => {
    const s = sandbox("ok");
    const r = s.cli(["install", "--systemd"]);
    expect(r.code).toBe(0);
    expect(readFileSync(s.unitPath, "utf8")).toMatch(/^ExecStart=.*watch$/m);
    expect(s.asked()).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable codex-supervisor.service",
      "systemctl --user restart codex-supervisor.service",
    ]);
    expect(r.stdout).toMatch(/running as a service/);
    expect(s.cli(["status", "--systemd"]).code).toBe(0);
  });

  test("without a user bus: writes the unit, warns, and says how to finish by hand (exit 0)", () => {
    const s = sandbox("no-bus");
    const r = s.cli(["install", "--systemd"]);
    expect(r.code).toBe(0);
    expect(existsSync(s.unitPath)).toBe(true);
    expect(r.stderr).toMatch(/warning: .*not started.*no systemd user manager is reachable/);
    expect(r.stderr).toMatch(/to finish by hand.*\n {2}systemctl --user daemon-reload\n {2}systemctl --user enable codex-supervisor.service\n/);
    const json = JSON.parse(s.cli(["install", "--systemd", "--json"]).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ action: "install", kind: "systemd", path: s.unitPath, written: true, activated: false });
    expect(json.manual).toEqual(["systemctl --user daemon-reload", "systemctl --user enable codex-supervisor.service", "systemctl --user restart codex-supervisor.service"]);
  });

  test("without systemctl at all: writes the unit and says systemctl is missing", () => {
    const s = sandbox("absent");
    const r = s.cli(["install", "--systemd"], { PATH: join(s.home, "bin") });
    expect(r.code).toBe(0);
    expect(existsSync(s.unitPath)).toBe(true);
    expect(r.stderr).toMatch(/systemctl is not available here/);
  });

  test("a unit that cannot be written fails with exit 1 and says where", () => {
    const s = sandbox("ok");
    mkdirSync(join(s.home, "config"));
    writeFileSync(join(s.home, "config/systemd"), ""); // a file where the folder must go
    const r = s.cli(["install", "--systemd"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not write .*config\/systemd\/user\/codex-supervisor.service: ENOTDIR/);
    expect(s.asked()).toEqual([]);
  });
});

describe("service status and uninstall", () => {
  test("status --json, then uninstall removes the unit", () => {
    const s = sandbox("no-bus");
    s.cli(["install", "--systemd"]);
    const status = s.cli(["status", "--systemd", "--json"]);
    expect(status.code).toBe(1); // not known to be running
    expect(JSON.parse(status.stdout)).toMatchObject({ action: "status", kind: "systemd", installed: true, upToDate: true, running: null });
    const gone = s.cli(["uninstall", "--systemd", "--json"]);
    expect(gone.code).toBe(0);
    expect(JSON.parse(gone.stdout)).toMatchObject({ action: "uninstall", removed: true, deactivated: false });
    expect(existsSync(s.unitPath)).toBe(false);
  });

  test.each([[[]], [["start"]], [["status", "--print"]], [["install", "--systemd", "--launchd"]]])("usage error for %j (exit 2)", (args) => {
    expect(sandbox("ok").cli(args).code).toBe(2);
  });
});
