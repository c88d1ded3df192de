import { randomUUID } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import * as Effect from "effect/Effect";
import type { LoadedPlugins } from "../../hooks/host.ts";
import { runBeforeLaunch } from "../../hooks/host.ts";
import type { SettingsShape } from "../../services/Settings.ts";
import { JOB_MARKER } from "../../core/job.ts";
import { applyPythonEnv, execArgs, type LaunchSpec } from "../../core/launch.ts";
import { choosePython, pythonProblem } from "../../core/python.ts";
import {
  parseProbeOutput, PROBE_SCRIPT, type PythonFacts, type PythonTarget, type ShellKind, type ShellProbe, usesLoginShell,
} from "./python.ts";
import { runBounded } from "./shell.ts";

type Env = Readonly<Record<string, string | undefined>>;

const probe = { isFile: (path: string) => { try { return statSync(path).isFile(); } catch { return false; } } };
const real = (path: string | undefined) => { try { return path === undefined ? undefined : realpathSync(path); } catch { return undefined; } };

/** Runs the probe in the shell Codex would use for a tool command, from the job's directory. */
export const probeShell = (shell: ShellKind, cwd: string, env: Env, timeoutMs: number): Effect.Effect<ShellProbe> =>
  runBounded(["/bin/bash", shell === "bash -lc" ? "-lc" : "-c", PROBE_SCRIPT], { cwd, env, timeoutMs }).pipe(
    Effect.map((r) => {
      const pythons = parseProbeOutput(r.stdout);
      const silent = pythons.length === 0 ? (r.stderr.trim().split("\n").at(-1) || `exit ${r.exitCode}`) : undefined;
      return { shell, pythons, timedOut: r.timedOut, timeoutMs, error: r.error ?? silent };
    }),
  );

const definedOnly = (env: Env): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

export interface PythonFactsOptions {
  readonly cwd: string;
  readonly settings: SettingsShape;
  /** The caller's environment: what a user running `codex exec` here has. */
  readonly env: Env;
  /** The config's plugins, when they loaded: env-fixup's options shape the launch. */
  readonly plugins: LoadedPlugins | undefined;
  readonly timeoutMs: number;
}

/**
 * What a job in cwd would run: the supervisor's launch (choosePython, then env-fixup's
 * beforeLaunch — other plugins' hooks are not run: doctor does nothing a launch would
 * announce) in the shell its args choose; and plain `codex exec` with the env activated,
 * in Codex's default login shell and in the plain shell allow_login_shell=false gives.
 */
export const pythonFacts = (o: PythonFactsOptions): Effect.Effect<PythonFacts> =>
  Effect.gen(function* () {
    const { cwd, settings, timeoutMs } = o;
    const env = choosePython({}, settings.python, cwd, o.env.VIRTUAL_ENV, probe);
    const problem = pythonProblem(env, probe);
    const target: PythonTarget = env.kind === "venv" ? { prefix: real(env.venv) } : env.kind === "python" ? { executable: real(env.python) } : {};
    const base = { cwd, env, problem, target, configFile: settings.configFiles.at(-1) };
    const others = (o.plugins?.plugins ?? []).filter((p) => p.plugin.name !== "env-fixup" && p.plugin.beforeLaunch).map((p) => p.plugin.name);
    if (problem) return { ...base, supervisor: undefined, otherLaunchHooks: others, plain: undefined };

    const jobId = randomUUID();
    const callerEnv = definedOnly(o.env);
    const draft: LaunchSpec = {
      jobId, bin: settings.codexBin, cwd, args: execArgs(jobId, settings.codexArgs, []),
      env: { ...callerEnv, [JOB_MARKER]: jobId, CODEX_HOME: settings.codexHome }, prompt: "", python: env,
    };
    const envFixup = o.plugins && { ...o.plugins, plugins: o.plugins.plugins.filter((p) => p.plugin.name === "env-fixup") };
    const launched = envFixup ? yield* runBeforeLaunch(envFixup, draft, settings.config) : undefined;
    // Without a loadable plugin list (the config check reports it), env-fixup's core is what it would apply.
    const spec = launched && launched.errors.length === 0 ? launched.spec : applyPythonEnv(draft);
    const supervisorShell: ShellKind = usesLoginShell(spec.args) ? "bash -lc" : "bash -c";

    const activated = env.kind === "none" ? undefined : applyPythonEnv({ ...draft, env: callerEnv }).env;
    // The probe is no job: it must not carry a job marker the watchdog or a kill could see.
    const { [JOB_MARKER]: _marker, ...supervisedEnv } = spec.env;
    const [supervisor, login, nonLogin] = yield* Effect.all([
      probeShell(supervisorShell, cwd, supervisedEnv, timeoutMs),
      activated ? probeShell("bash -lc", cwd, activated, timeoutMs) : Effect.succeed(undefined),
      activated ? probeShell("bash -c", cwd, activated, timeoutMs) : Effect.succeed(undefined),
    ], { concurrency: "unbounded" });
    return { ...base, supervisor, otherLaunchHooks: others, plain: login && nonLogin ? { login, nonLogin } : undefined };
  });
