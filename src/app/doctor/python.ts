import type { PythonEnv } from "../../core/job.ts";
import { type DoctorCheck, fail, ok, warn } from "./check.ts";

/** The one remedy for the login-shell PATH reset, as the issue words it. */
export const LOGIN_SHELL_FIX =
  "start jobs with codex-supervisor (it launches with -c allow_login_shell=false), or run codex exec -c allow_login_shell=false";

const MARK = "@@cs-doctor";
export const PYTHON_NAMES = ["python", "python3"] as const;
export type PythonName = (typeof PYTHON_NAMES)[number];

/**
 * What a tool command would see, run the way Codex runs it: each name's path, and that
 * interpreter's prefix and executable (symlinks resolved, so a venv matches however spelled).
 */
export const PROBE_SCRIPT = [
  `for n in ${PYTHON_NAMES.join(" ")}; do`,
  `  p=$(command -v "$n" 2>/dev/null) || { printf '${MARK}\\t%s\\t\\t\\t\\n' "$n"; continue; }`,
  `  i=$("$p" -c 'import os, sys; print(os.path.realpath(sys.prefix) + "\\t" + os.path.realpath(sys.executable))' 2>/dev/null)`,
  `  printf '${MARK}\\t%s\\t%s\\t%s\\n' "$n" "$p" "$i"`,
  `done`,
].join("\n");

/** How Codex runs a tool command: a login shell unless `allow_login_shell=false`. */
export type ShellKind = "bash -lc" | "bash -c";

export interface ShellPython {
  readonly name: PythonName;
  /** Where `command -v` found it; undefined: not on PATH. */
  readonly path: string | undefined;
  readonly prefix: string | undefined;
  readonly executable: string | undefined;
}

export interface ShellProbe {
  readonly shell: ShellKind;
  readonly pythons: ReadonlyArray<ShellPython>;
  readonly timedOut: boolean;
  readonly timeoutMs: number;
  /** Why the shell could not be run or said nothing useful. */
  readonly error: string | undefined;
}

const orUndefined = (s: string | undefined) => (s === undefined || s === "" ? undefined : s);

/** Reads the probe's marked lines; whatever a profile printed around them is ignored. */
export const parseProbeOutput = (stdout: string): ShellPython[] =>
  stdout.split("\n").flatMap((line) => {
    const [mark, name, path, prefix, executable] = line.replace(/\r$/, "").split("\t");
    if (mark !== MARK || !PYTHON_NAMES.includes(name as PythonName)) return [];
    return [{ name: name as PythonName, path: orUndefined(path), prefix: orUndefined(prefix), executable: orUndefined(executable) }];
  });

/** What the chosen env is, with symlinks resolved: a venv by its prefix, a bare interpreter by its file. */
export interface PythonTarget {
  readonly prefix?: string | undefined;
  readonly executable?: string | undefined;
}

const isTarget = (p: ShellPython, target: PythonTarget) =>
  target.prefix !== undefined ? p.prefix === target.prefix : target.executable !== undefined && p.executable === target.executable;

/** Whether tool commands in this shell run the chosen env: a venv for both names, an interpreter for either. */
export const shellGets = (probe: ShellProbe, target: PythonTarget): boolean => {
  if (probe.timedOut || probe.pythons.length === 0) return false;
  return target.prefix !== undefined
    ? probe.pythons.every((p) => isTarget(p, target))
    : probe.pythons.some((p) => isTarget(p, target));
};

export const describePythons = (probe: ShellProbe): string[] =>
  probe.pythons.map((p) => p.path === undefined ? `${p.name}: not found`
    : `${p.name} → ${p.path}${p.prefix ? ` (prefix ${p.prefix})` : " (does not run)"}`);

const unanswered = (probe: ShellProbe): string | undefined =>
  probe.timedOut ? `\`${probe.shell}\` did not finish within ${probe.timeoutMs / 1000} s (a slow shell profile?)`
    : probe.error !== undefined || probe.pythons.length === 0 ? `\`${probe.shell}\` could not be asked: ${probe.error ?? "it printed nothing"}`
    : undefined;

const SOURCE = {
  option: "given on the command line", config: "from the config", discovered: "found in the project",
  caller: "the caller's VIRTUAL_ENV", none: "",
} as const;

export const describeEnv = (env: PythonEnv): string =>
  env.kind === "venv" ? `the venv ${env.venv} (${SOURCE[env.source]})`
    : env.kind === "python" ? `${env.python} (${SOURCE[env.source]})`
    : "no venv";

const problemFix = (env: PythonEnv, configFile: string | undefined): string =>
  env.source === "config" ? `fix python.${env.kind === "venv" ? "venv" : "python"} in ${configFile ?? "the config"}, or create it (python3 -m venv ${env.venv ?? "DIR"})`
    : env.source === "caller" ? `VIRTUAL_ENV names a venv that is gone: deactivate it, or create it again (python3 -m venv ${env.venv ?? "DIR"})`
    : `create it (python3 -m venv ${env.venv ?? "DIR"}) or choose another with --venv / --python`;

export interface PythonFacts {
  readonly cwd: string;
  /** What choosePython picked for a job in cwd. */
  readonly env: PythonEnv;
  /** pythonProblem's answer: the chosen env does not exist. */
  readonly problem: string | undefined;
  readonly target: PythonTarget;
  /** The config file that would name the env, for the fix. */
  readonly configFile: string | undefined;
  /** The shell a supervised job's tool commands run in, with the launch env env-fixup gives them. */
  readonly supervisor: ShellProbe | undefined;
  /** Other plugins with a beforeLaunch hook: they may change the env too, and doctor does not run them. */
  readonly otherLaunchHooks: ReadonlyArray<string>;
  /** Plain `codex exec` with the env activated: its login shell, and the same without the login. */
  readonly plain: { readonly login: ShellProbe; readonly nonLogin: ShellProbe } | undefined;
}

const SUPERVISOR = { id: "python.supervisor", title: "python for supervised jobs" };
const PLAIN = { id: "python.plain-codex", title: "python for plain codex exec" };

const judgeSupervisor = (f: PythonFacts): DoctorCheck => {
  const hooks = f.otherLaunchHooks.length > 0
    ? `\n(plugins ${f.otherLaunchHooks.join(", ")} also change launches; doctor does not run them)` : "";
  if (f.problem) return fail({ ...SUPERVISOR, detail: `jobs in ${f.cwd} would not start: ${f.problem}` }, problemFix(f.env, f.configFile));
  const probe = f.supervisor;
  if (!probe) return ok({ ...SUPERVISOR, detail: `no venv for ${f.cwd}: tool commands run whatever python their PATH has${hooks}` });
  const seen = describePythons(probe);
  const trouble = unanswered(probe);
  if (f.env.kind === "none") {
    const none = `no venv for ${f.cwd} (none found upward, none configured): tool commands use the PATH's python`;
    return ok({ ...SUPERVISOR, detail: [none, ...(trouble ? [`(which one could not be checked: ${trouble})`] : seen)].join("\n") + hooks });
  }
  if (trouble) return warn({ ...SUPERVISOR, detail: `could not check ${describeEnv(f.env)}: ${trouble}${hooks}` });
  if (!shellGets(probe, f.target)) {
    return fail({
      ...SUPERVISOR,
      detail: [`jobs in ${f.cwd} should run ${describeEnv(f.env)}, but their tool commands (\`${probe.shell}\`) get:`, ...seen].join("\n") + hooks,
    }, "check what changes PATH at launch: env-fixup's set/unset and the beforeLaunch plugins in the config (codex-supervisor config --cwd DIR)");
  }
  return ok({ ...SUPERVISOR, detail: [`jobs run ${describeEnv(f.env)}: tool commands (\`${probe.shell}\`) get`, ...seen].join("\n") + hooks });
};

const judgePlain = (f: PythonFacts): DoctorCheck | undefined => {
  if (f.problem || !f.plain || f.env.kind === "none") return undefined;
  const { login, nonLogin } = f.plain;
  const env = describeEnv(f.env);
  const loginTrouble = unanswered(login);
  if (loginTrouble) {
    return warn({ ...PLAIN, detail: `could not check what plain \`codex exec\` gets: ${loginTrouble}; Codex runs every tool command that way` }, LOGIN_SHELL_FIX);
  }
  if (shellGets(login, f.target)) {
    return ok({ ...PLAIN, detail: [`plain \`codex exec\` with ${env} activated keeps it: its login shell (\`bash -lc\`) gets`, ...describePythons(login)].join("\n") });
  }
  const keeps = shellGets(nonLogin, f.target);
  return warn({
    ...PLAIN,
    detail: [
      `plain \`codex exec\` in ${f.cwd} with ${env} activated would miss it: its tool commands run in a login shell (\`bash -lc\`), which resets PATH, and get`,
      ...describePythons(login),
      keeps ? "with allow_login_shell=false (`bash -c`) they get the venv:" : "and `bash -c` misses it too (something else resets PATH: BASH_ENV?):",
      ...describePythons(nonLogin),
    ].join("\n"),
  }, keeps ? LOGIN_SHELL_FIX : `${LOGIN_SHELL_FIX}; and find what resets PATH in a non-login bash`);
};

/** What a job in cwd would run with the supervisor, and what plain `codex exec` would get there. */
export const judgePython = (facts: PythonFacts): DoctorCheck[] =>
  [judgeSupervisor(facts), judgePlain(facts)].filter((c): c is DoctorCheck => c !== undefined);

/** Whether Codex, given these `codex exec` args, runs tools in a login shell: the last `-c allow_login_shell=…` wins. */
export const usesLoginShell = (args: ReadonlyArray<string>): boolean => {
  let login = true;
  args.forEach((arg, i) => {
    const value = (arg === "-c" || arg === "--config") ? /^allow_login_shell\s*=\s*(\S+)$/.exec(args[i + 1] ?? "")?.[1] : undefined;
    if (value !== undefined) login = value !== "false";
  });
  return login;
};
