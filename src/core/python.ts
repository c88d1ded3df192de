import { dirname, join, resolve } from "node:path";
import type { PythonEnv } from "./job.ts";

/** How to choose a job's Python: flags first, then config, then what the directory holds. */
export interface PythonRequest {
  readonly venv?: string | undefined;
  readonly python?: string | undefined;
  readonly noVenv?: boolean | undefined;
}

export interface PythonSettings {
  readonly venv?: string | undefined;
  readonly python?: string | undefined;
  readonly discover: boolean;
  readonly names: ReadonlyArray<string>;
}

/** What the decision needs to know about the file system, passed in so the rule stays pure. */
export interface PythonProbe {
  readonly isFile: (path: string) => boolean;
}

const venvPython = (venv: string) => join(venv, "bin", "python");
const isVenv = (dir: string, probe: PythonProbe) =>
  probe.isFile(join(dir, "pyvenv.cfg")) || probe.isFile(venvPython(dir));

/** The nearest `.venv`/`venv` from `cwd` upward. */
export const discoverVenv = (cwd: string, names: ReadonlyArray<string>, probe: PythonProbe): string | undefined => {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (isVenv(candidate, probe)) return candidate;
    }
    if (dirname(dir) === dir) return undefined;
  }
};

const fromVenv = (venv: string, source: PythonEnv["source"]): PythonEnv =>
  ({ kind: "venv", venv, python: venvPython(venv), source });

/** An interpreter inside a venv (`…/venv/bin/python`) brings its venv along. */
const fromInterpreter = (python: string, source: PythonEnv["source"], probe: PythonProbe): PythonEnv => {
  const venv = dirname(dirname(python));
  return probe.isFile(join(venv, "pyvenv.cfg"))
    ? { kind: "venv", venv, python, source }
    : { kind: "python", python, source };
};

export const choosePython = (
  request: PythonRequest,
  settings: PythonSettings,
  cwd: string,
  callerVirtualEnv: string | undefined,
  probe: PythonProbe,
): PythonEnv => {
  if (request.noVenv) return { kind: "none", source: "option" };
  if (request.venv) return fromVenv(resolve(cwd, request.venv), "option");
  if (request.python) return fromInterpreter(resolve(cwd, request.python), "option", probe);
  if (settings.venv) return fromVenv(resolve(cwd, settings.venv), "config");
  if (settings.python) return fromInterpreter(resolve(cwd, settings.python), "config", probe);
  const found = settings.discover ? discoverVenv(cwd, settings.names, probe) : undefined;
  if (found) return fromVenv(found, "discovered");
  if (callerVirtualEnv) return fromVenv(callerVirtualEnv, "caller");
  return { kind: "none", source: "none" };
};

/** Whether the chosen env actually exists, so a typo is an error before launch rather than inside it. */
export const pythonProblem = (env: PythonEnv, probe: PythonProbe): string | undefined => {
  if (env.kind === "venv" && !isVenv(env.venv!, probe)) return `${env.venv} is not a virtual environment (no pyvenv.cfg or bin/python)`;
  if (env.kind === "python" && !probe.isFile(env.python!)) return `${env.python} does not exist`;
  return undefined;
};
