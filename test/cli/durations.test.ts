/**
 * Every duration the user gives — a CLI option or a config field — is bounded: an endless one
 * (`--grace 99999999999999999999d`) or one without a unit (`--grace 5`) is a clear error naming the
 * option and what it accepts, exit 2, before anything is done.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runCli } from "../adversarial/support/cli.ts";
import { trustAsIs } from "../support/trust.ts";

const root = mkdtempSync(join(tmpdir(), "cs-durations-"));
// a codex that cannot run: should a start get past its config, nothing is launched
const env = { ...(process.env as Record<string, string>), XDG_CONFIG_HOME: join(root, "xdg"), XDG_STATE_HOME: join(root, "state"), CODEX_SUPERVISOR_DB: join(root, "db.sqlite"), CODEX_SUPERVISOR_CODEX: "/nonexistent/codex" };
afterAll(() => rmSync(root, { recursive: true, force: true }));

let projects = 0;
const project = (config: unknown): string => {
  const dir = join(root, `p${++projects}`);
  mkdirSync(dir);
  const file = join(dir, ".codex-supervisorrc.json");
  writeFileSync(file, JSON.stringify(config));
  // a project file applies only once trusted: these are, as they are, so their errors show
  trustAsIs([file], { home: root, env });
  return dir;
};

describe("kill --grace", () => {
  test("an endless grace is refused with the allowed range, exit 2", async () => {
    const r = await runCli(["kill", "abcdef12", "--grace", "99999999999999999999d"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--grace: expected a duration from 0s to 10m, got "99999999999999999999d"`);
  });

  test("a grace without a unit says durations need one, exit 2", async () => {
    const r = await runCli(["kill", "abcdef12", "--grace", "5"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--grace: "5" has no unit: a duration needs one, e.g. "5s"`);
  });

  test("a grace in range goes on to find the job (exit 3 for an unknown one)", async () => {
    const r = await runCli(["kill", "abcdef12", "--grace", "10m"], env);
    expect(r.code).toBe(3);
  });
});

describe("config durations", () => {
  const cases: ReadonlyArray<{ name: string; config: unknown; says: string }> = [
    { name: "an endless runtimeOver", config: { policies: [{ name: "p", when: { runtimeOver: "99999999999999999999d" }, do: ["notify"] }] }, says: `policies.0.when.runtimeOver: expected a duration from 0s to 365d, got "99999999999999999999d"` },
    { name: "an idleFor without a unit", config: { policies: [{ name: "p", when: { idleFor: "15" }, do: ["notify"] }] }, says: `policies.0.when.idleFor: "15" has no unit: a duration needs one, e.g. "5s"` },
    { name: "a repeat of a century", config: { policies: [{ name: "p", when: { runtimeOver: "1m" }, do: ["notify"], repeat: "5300w" }] }, says: `policies.0.repeat: expected a duration from 0s to 365d, got "5300w"` },
    { name: "a watchdog interval of 10 ms", config: { watchdog: { interval: "10ms" } }, says: `watchdog.interval: expected a duration from 100ms to 1h, got "10ms"` },
    { name: "a plugin timeout of a day", config: { watchdog: { pluginTimeout: "1d" } }, says: `watchdog.pluginTimeout: expected a duration from 100ms to 10m, got "1d"` },
    { name: "a prune schedule of 20 years", config: { schedules: [{ cron: "0 3 * * *", do: "prune", olderThan: "7300d" }] }, says: `schedules.0.olderThan: expected a duration from 0s to 3650d, got "7300d"` },
  ];
  for (const c of cases) {
    test(`${c.name}: config names the field and the range, exit 2`, async () => {
      const r = await runCli(["config"], env, { cwd: project(c.config) });
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toContain(c.says);
    });
  }

  test("the kill plugin's endless grace: start names it and the range, exit 2", async () => {
    const r = await runCli(["start", "hello"], env, { cwd: project({ plugins: [["kill", { grace: "1000h" }]] }) });
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr).toContain(`plugins.0.grace: expected a duration from 0s to 10m, got "1000h"`);
  });

  test("a duration given as a bare number says it needs a unit", async () => {
    const r = await runCli(["config"], env, { cwd: project({ watchdog: { interval: 5 } }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`watchdog.interval: 5 has no unit: a duration needs one, e.g. "5s"`);
  });

  test("the bounds themselves are accepted", async () => {
    // the interval and schedules are global-only: a --config file may set them, a project file may not
    const file = join(project({}), "bounds.json");
    writeFileSync(file, JSON.stringify({
      watchdog: { interval: "100ms", pluginTimeout: "10m" },
      policies: [{ name: "p", when: { runtimeOver: "365d", idleFor: "0s" }, do: [["kill", { grace: "10m" }]], repeat: "365d" }],
      schedules: [{ cron: "0 3 * * *", do: "prune", olderThan: "3650d" }],
    }));
    const r = await runCli(["config", "--json", "--config", file], env);
    expect(r.code, r.stderr).toBe(0);
  });
});
