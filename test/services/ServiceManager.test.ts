import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterEach, describe, expect, test } from "vitest";
import { type CommandResult, type Host, ServiceManager, watchdogSpec } from "../../src/services/ServiceManager.ts";

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** A host in a temp home whose systemctl/launchctl only record what they were asked. */
const fakeHost = (answer: (command: ReadonlyArray<string>) => CommandResult = () => ({ exitCode: 0, output: "" }), env: Host["env"] = {}) => {
  const home = mkdtempSync(join(tmpdir(), "cs-service-"));
  dirs.push(home);
  const bin = join(home, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "codex"), "#!/bin/sh\n");
  chmodSync(join(bin, "codex"), 0o755);
  const asked: string[] = [];
  const host: Host = {
    env: { PATH: `${bin}:/usr/bin`, ...env },
    home,
    uid: 501,
    bun: "/opt/bun/bin/bun",
    mainScript: "/opt/cs/src/cli/main.ts",
    run: async (command) => { asked.push(command.join(" ")); return answer(command); },
  };
  return { host, home, bin, asked };
};

const withManager = <A, E>(host: Host, body: (m: ServiceManager["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function* () { return yield* body(yield* ServiceManager); }).pipe(Effect.provide(ServiceManager.layerTest(host))));

describe("watchdogSpec", () => {
  test("carries the installing PATH in order, without dangling entries, with bun's and codex's dirs present once", () => {
    const { host, bin } = fakeHost(undefined, {
      PATH: ["/usr/local/bin", "relative/bin", "/tmp/bun-node-abc123", "/usr/bin", "", "/usr/local/bin"].join(":"),
      CODEX_SUPERVISOR_CODEX: join("/elsewhere", "codex"), CODEX_HOME: "/h/.codex", XDG_STATE_HOME: "",
    });
    const spec = watchdogSpec(host, { codexBin: join(bin, "codex") });
    expect(spec.environment.PATH).toBe(["/usr/local/bin", "/usr/bin", "/opt/bun/bin", bin].join(":"));
    expect(spec.environment).toMatchObject({ CODEX_HOME: "/h/.codex", CODEX_SUPERVISOR_CODEX: "/elsewhere/codex" });
    expect(spec.environment).not.toHaveProperty("XDG_STATE_HOME"); // empty counts as unset
    expect(spec.argv).toEqual(["/opt/bun/bin/bun", "/opt/cs/src/cli/main.ts", "watch"]);
    expect(spec.warnings).toEqual([]);
  });

  test("finds codex on PATH, passes --config on, and warns when codex cannot be found", () => {
    const { host } = fakeHost();
    expect(watchdogSpec(host, { codexBin: "codex", configFile: "/etc/cs.json" }).argv.slice(2)).toEqual(["watch", "--config", "/etc/cs.json"]);
    expect(watchdogSpec(host, { codexBin: "no-such-codex" }).warnings).toEqual([expect.stringMatching(/not on PATH/)]);
  });
});

describe("ServiceManager", () => {
  test("install writes the unit under XDG_CONFIG_HOME, mode 0644, then reloads, enables and restarts it", async () => {
    const { host, home, asked } = fakeHost(undefined, { XDG_CONFIG_HOME: "" });
    const { file, activation } = await withManager(host, (m) => m.install("systemd", { codexBin: "codex" }));
    expect(file.path).toBe(join(home, ".config/systemd/user/codex-supervisor.service"));
    expect(readFileSync(file.path, "utf8")).toBe(file.contents);
    expect(statSync(file.path).mode & 0o777).toBe(0o644);
    expect(asked).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable codex-supervisor.service",
      "systemctl --user restart codex-supervisor.service",
    ]);
    expect(activation).toMatchObject({ ok: true, failed: null, manual: [] });
  });

  test("without a user bus the file is still written and the rest is left to do by hand", async () => {
    const { host, asked } = fakeHost(() => ({ exitCode: 1, output: "Failed to connect to bus: No medium found" }));
    const { file, activation } = await withManager(host, (m) => m.install("systemd", { codexBin: "codex" }));
    expect(statSync(file.path).isFile()).toBe(true);
    expect(asked).toEqual(["systemctl --user daemon-reload"]);
    expect(activation.ok).toBe(false);
    expect(activation.failed?.output).toMatch(/bus/);
    expect(activation.manual.map((c) => c.join(" "))).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable codex-supervisor.service",
      "systemctl --user restart codex-supervisor.service",
    ]);
  });

  test("a file that cannot be written is a ServiceFileError, and nothing is asked of the manager", async () => {
    const { host, home, asked } = fakeHost();
    writeFileSync(join(home, "not-a-dir"), "");
    const failure = await withManager({ ...host, env: { ...host.env, XDG_CONFIG_HOME: join(home, "not-a-dir") } },
      (m) => Effect.flip(m.install("systemd", { codexBin: "codex" })));
    expect(failure).toMatchObject({ _tag: "ServiceFileError", operation: "write" });
    expect(asked).toEqual([]);
  });

  test("launchd: installs into ~/Library/LaunchAgents, makes the log folder, replaces a loaded agent", async () => {
    const { host, home, asked } = fakeHost((c) => (c[1] === "bootout" ? { exitCode: 3, output: "Boot-out failed: 3: No such process" } : { exitCode: 0, output: "" }));
    const { file, activation } = await withManager(host, (m) => m.install("launchd", { codexBin: "codex" }));
    expect(file.path).toBe(join(home, "Library/LaunchAgents/dev.codex-supervisor.watch.plist"));
    expect(statSync(join(home, "Library/Logs/codex-supervisor")).isDirectory()).toBe(true);
    expect(asked).toEqual([
      "launchctl enable gui/501/dev.codex-supervisor.watch",
      "launchctl bootout gui/501/dev.codex-supervisor.watch",
      `launchctl bootstrap gui/501 ${file.path}`,
    ]);
    expect(activation.ok).toBe(true); // a bootout with nothing loaded is expected to fail
  });

  test("uninstall stops, removes and reloads; with nothing installed a failed stop is no warning", async () => {
    const { host, asked } = fakeHost((c) => (c.includes("disable") ? { exitCode: 1, output: "unit does not exist" } : { exitCode: 0, output: "" }));
    const { file } = await withManager(host, (m) => m.install("systemd", { codexBin: "codex" }));
    asked.length = 0;
    const gone = await withManager({ ...host, run: async () => ({ exitCode: 0, output: "" }) }, (m) => m.uninstall("systemd"));
    expect(gone).toMatchObject({ removed: true, activation: { ok: true } });
    expect(() => statSync(file.path)).toThrow();
    const again = await withManager(host, (m) => m.uninstall("systemd"));
    expect(again).toMatchObject({ removed: false, activation: { ok: true, manual: [] } });
    expect(asked).toEqual(["systemctl --user disable --now codex-supervisor.service"]);
  });

  test("status reads systemctl is-active and launchctl print, and notices a stale file", async () => {
    const answers: Record<string, CommandResult> = {
      systemctl: { exitCode: 3, output: "inactive" },
      launchctl: { exitCode: 0, output: "gui/501/dev.codex-supervisor.watch = {\n\tstate = running\n\tpid = 4242\n}" },
    };
    const { host } = fakeHost((c) => answers[c[0]!]!);
    await withManager(host, (m) => m.install("systemd", { codexBin: "codex" }));
    const systemd = await withManager(host, (m) => m.status("systemd", { codexBin: "codex", configFile: "/other.json" }));
    expect(systemd).toMatchObject({ installed: true, upToDate: false, running: false, detail: "inactive" });
    const launchd = await withManager(host, (m) => m.status("launchd", { codexBin: "codex" }));
    expect(launchd).toMatchObject({ installed: false, upToDate: null, running: true, detail: "running (pid 4242)" });
    const unknown = await withManager({ ...host, run: async () => ({ exitCode: 1, output: "Failed to connect to bus" }) },
      (m) => m.status("systemd", { codexBin: "codex" }));
    expect(unknown).toMatchObject({ running: null });
  });
});
