import { join } from "node:path";

/** What a systemd user unit for the watchdog needs. */
export interface UnitSpec {
  readonly description: string;
  /** The absolute executable, then its arguments. */
  readonly argv: ReadonlyArray<string>;
  readonly workingDirectory: string;
  readonly environment: Readonly<Record<string, string>>;
}

export const SYSTEMD_UNIT = "codex-supervisor.service";

/** `$XDG_CONFIG_HOME/systemd/user/codex-supervisor.service`, `~/.config/...` by default. */
export const systemdUnitPath = (home: string, env: Readonly<Record<string, string | undefined>>): string =>
  join(env.XDG_CONFIG_HOME || join(home, ".config"), "systemd", "user", SYSTEMD_UNIT);

// systemd expands specifiers (`%h`) in every value; `%%` is a literal percent.
const specifierSafe = (s: string) => s.replaceAll("%", "%%");

// Inside double quotes systemd unescapes C escapes, so backslash, quote and
// control characters are written as escapes.
const cQuoted = (s: string) =>
  `"${s.replace(/[\\"\n\t\r]/g, (c) => ({ "\\": "\\\\", "\"": "\\\"", "\n": "\\n", "\t": "\\t", "\r": "\\r" })[c] ?? c)}"`;

const plainWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One ExecStart word. Arguments also go through `$VAR` substitution when the
 * service starts, so their `$` is doubled; the executable path does not (a
 * doubled `$` would stay doubled there), so it keeps its `$` as is.
 */
export const execWord = (word: string, isExecutable: boolean): string => {
  const escaped = specifierSafe(isExecutable ? word : word.replaceAll("$", () => "$$"));
  return plainWord.test(escaped) ? escaped : cQuoted(escaped);
};

/** One `Environment=` assignment; `$` has no special meaning there. */
export const environmentAssignment = (name: string, value: string): string =>
  `Environment=${cQuoted(specifierSafe(`${name}=${value}`))}`;

/**
 * The unit. KillMode=process: stopping or restarting signals only the watchdog.
 * Jobs it starts live in its cgroup however detached they are, and the default
 * (control-group) would kill them all with it. No After=default.target: the unit
 * is WantedBy it, and a target orders itself after what it wants: a cycle.
 */
export const systemdUnit = (spec: UnitSpec): string => {
  const [executable, ...args] = spec.argv;
  if (executable === undefined) throw new Error("systemdUnit: argv is empty");
  return [
    "[Unit]",
    `Description=${specifierSafe(spec.description)}`,
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${[execWord(executable, true), ...args.map((a) => execWord(a, false))].join(" ")}`,
    `WorkingDirectory=${specifierSafe(spec.workingDirectory)}`,
    ...Object.entries(spec.environment).map(([name, value]) => environmentAssignment(name, value)),
    "Restart=on-failure",
    "RestartSec=5",
    "KillMode=process",
    "TimeoutStopSec=10",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
};

const ctl = (...args: string[]) => ({ command: ["systemctl", "--user", ...args] });

/**
 * What to ask systemctl. Install restarts rather than starts: re-installing must
 * replace a running watchdog, and KillMode=process keeps the jobs through that.
 * Stopping may fail when nothing was installed, so it is optional.
 */
export const systemdCommands = {
  install: [ctl("daemon-reload"), ctl("enable", SYSTEMD_UNIT), ctl("restart", SYSTEMD_UNIT)],
  stop: [{ ...ctl("disable", "--now", SYSTEMD_UNIT), optional: true }],
  afterRemove: [ctl("daemon-reload")],
  status: ctl("is-active", SYSTEMD_UNIT),
};

/** `systemctl is-active` prints one state word; anything else (a bus error) means it could not be asked. */
export const systemdActivity = (output: string): { readonly running: boolean | null; readonly detail: string } => {
  const word = output.trim().split("\n")[0] ?? "";
  return /^[a-z-]+$/.test(word) ? { running: word === "active", detail: word } : { running: null, detail: output.trim() };
};

const unquote = (word: string) =>
  word.startsWith("\"") ? word.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c) : word;

/** The command an installed unit runs: its ExecStart words, as systemdUnit wrote them. */
export const systemdExecArgv = (unit: string): string[] => {
  const line = unit.split("\n").find((l) => l.startsWith("ExecStart="));
  if (line === undefined) return [];
  const words = line.slice("ExecStart=".length).match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  return words.map((w) => unquote(w).replaceAll("%%", "%").replaceAll("$$", "$"));
};
