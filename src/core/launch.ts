import { delimiter, dirname, join } from "node:path";
import { JOB_MARKER, type PythonEnv } from "./job.ts";

/** Everything a launch needs; `beforeLaunch` hooks may change env and args. */
export interface LaunchSpec {
  readonly jobId: string;
  readonly bin: string;
  readonly cwd: string;
  readonly args: ReadonlyArray<string>;
  readonly env: Readonly<Record<string, string>>;
  readonly prompt: string;
  readonly python: PythonEnv;
}

/** A TOML basic string: what `-c key=value` parses as a string, quotes and all. */
export const tomlString = (value: string): string => JSON.stringify(value);

/**
 * The marker goes through Codex's own shell-environment policy: it then shows in
 * both Codex processes' command lines and in every tool subprocess's environment.
 */
export const markerArgs = (jobId: string): string[] =>
  ["-c", `shell_environment_policy.set.${JOB_MARKER}=${tomlString(jobId)}`];

/** `codex exec [defaults] [user args] [marker] -`: the prompt itself arrives on stdin, never in argv. */
export const execArgs = (jobId: string, defaults: ReadonlyArray<string>, user: ReadonlyArray<string>): string[] =>
  ["exec", ...defaults, ...user, ...markerArgs(jobId), "-"];

const withoutEntry = (path: string, entry: string | undefined) =>
  path.split(delimiter).filter((p) => p !== "" && p !== entry).join(delimiter);

/**
 * Makes `python` in the job's tool commands the chosen one. Codex runs tools in a
 * login shell that resets PATH (codex-facts: "the PATH trap"), so the prepended
 * bin directory only survives with `allow_login_shell=false`.
 */
export const applyPythonEnv = (spec: LaunchSpec): LaunchSpec => {
  const { python } = spec;
  if (python.kind === "none" || !python.python) return spec;
  const env: Record<string, string> = { ...spec.env };
  const previous = env.VIRTUAL_ENV ? join(env.VIRTUAL_ENV, "bin") : undefined;
  const bin = python.kind === "venv" ? join(python.venv!, "bin") : dirname(python.python);
  env.PATH = [bin, withoutEntry(env.PATH ?? "", previous)].filter(Boolean).join(delimiter);
  delete env.PYTHONHOME;
  if (python.kind === "venv") env.VIRTUAL_ENV = python.venv!;
  else delete env.VIRTUAL_ENV;
  const [exec, ...rest] = spec.args;
  return { ...spec, env, args: [exec ?? "exec", "-c", "allow_login_shell=false", ...rest] };
};
