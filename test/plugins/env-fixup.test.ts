import { Effect } from "effect";
import { describe, expect, test } from "vitest";
import { JOB_MARKER } from "../../src/core/job.ts";
import { markerArgs } from "../../src/core/launch.ts";
import { runBeforeLaunch } from "../../src/hooks/host.ts";
import { envFixupOptions, fixLaunch } from "../../plugins/env-fixup/index.ts";
import { config, JOB_ID, launchSpec, load, loadIssues } from "../hooks/fixtures.ts";

const EXCLUDE_DEFAULT = `shell_environment_policy.exclude=["OPENAI_API_KEY","CODEX_API_KEY"]`;
const venv = { kind: "venv", venv: "/work/project/.venv", python: "/work/project/.venv/bin/python", source: "discovered" } as const;

describe("env-fixup", () => {
  test("is loaded without config and applies the venv fix: venv bin first on PATH, VIRTUAL_ENV, no login shell", async () => {
    const { spec, errors } = await Effect.runPromise(runBeforeLaunch(await load([]), launchSpec({ python: venv }), config));
    expect(errors).toEqual([]);
    expect(spec.env.PATH).toBe("/work/project/.venv/bin:/usr/bin:/bin");
    expect(spec.env.VIRTUAL_ENV).toBe("/work/project/.venv");
    expect(spec.args.slice(0, 5)).toEqual(["exec", "-c", EXCLUDE_DEFAULT, "-c", "allow_login_shell=false"]);
    expect(spec.args.slice(-3)).toEqual([...markerArgs(JOB_ID), "-"]);
  });

  test("hides the API keys from tool commands but keeps them in Codex's own environment", () => {
    const spec = fixLaunch(launchSpec(), envFixupOptions.parse({}));
    expect(spec.env.OPENAI_API_KEY).toBe("sk-canary");
    expect(spec.args).toContain(EXCLUDE_DEFAULT);
    expect(spec.args.join(" ")).not.toContain("sk-canary");
  });

  test("hideFromTools takes names and globs, and an empty list adds no filter", () => {
    const hidden = fixLaunch(launchSpec(), envFixupOptions.parse({ hideFromTools: ["*_TOKEN", "AWS_SECRET_ACCESS_KEY"] }));
    expect(hidden.args).toContain(`shell_environment_policy.exclude=["*_TOKEN","AWS_SECRET_ACCESS_KEY"]`);
    const open = fixLaunch(launchSpec(), envFixupOptions.parse({ hideFromTools: [] }));
    expect(open.args.some((a) => a.startsWith("shell_environment_policy.exclude"))).toBe(false);
  });

  test("set adds variables to Codex's environment and unset removes them; the marker stays", async () => {
    const plugins = await load([["env-fixup", { set: { PIP_INDEX_URL: "https://pypi.internal/simple" }, unset: ["OPENAI_API_KEY", "PYTHONPATH"] }]]);
    const { spec } = await Effect.runPromise(runBeforeLaunch(plugins, launchSpec({ env: { ...launchSpec().env, PYTHONPATH: "/tmp/x" } }), config));
    expect(spec.env.PIP_INDEX_URL).toBe("https://pypi.internal/simple");
    expect(spec.env).not.toHaveProperty("OPENAI_API_KEY");
    expect(spec.env).not.toHaveProperty("PYTHONPATH");
    expect(spec.env[JOB_MARKER]).toBe(JOB_ID);
  });

  test("rejects names that are not variable names, at their path", async () => {
    const issues = await loadIssues([["env-fixup", { unset: ["A=B"], hideFromTools: [`X"]`] }]]);
    expect(issues).toEqual([
      "plugins.0.unset.0: expected an environment variable name",
      `plugins.0.hideFromTools.0: expected a variable name or a glob like "*_TOKEN"`,
    ]);
  });
});
