import { join } from "node:path";

/** What a launchd agent for the watchdog needs. */
export interface AgentSpec {
  readonly label: string;
  /** The absolute executable, then its arguments. */
  readonly argv: ReadonlyArray<string>;
  readonly workingDirectory: string;
  readonly environment: Readonly<Record<string, string>>;
  /** The watchdog's own stdout and stderr go here (launchd does not create the folder). */
  readonly logFile: string;
}

export const LAUNCHD_LABEL = "dev.codex-supervisor.watch";

export const launchdAgentPath = (home: string): string =>
  join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);

export const launchdLogFile = (home: string): string =>
  join(home, "Library", "Logs", "codex-supervisor", "watch.log");

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" };

export const xmlEscape = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

const string = (s: string) => `<string>${xmlEscape(s)}</string>`;
const key = (s: string) => `<key>${xmlEscape(s)}</key>`;

/**
 * The agent. AbandonProcessGroup: when the watchdog stops, launchd would
 * otherwise kill every process still in its process group; jobs run in
 * sessions of their own, and this keeps launchd's clean-up off them even so.
 * KeepAlive on unsuccessful exit only: a crash restarts it, a clean stop does not.
 */
export const launchdAgent = (spec: AgentSpec): string => {
  const dict = (pairs: ReadonlyArray<readonly [string, string]>, indent: string) =>
    pairs.map(([k, v]) => `${indent}${k}\n${indent}${v}`).join("\n");
  const inner = "\t\t";
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`,
    `<plist version="1.0">`,
    "<dict>",
    dict([
      [key("Label"), string(spec.label)],
      [key("ProgramArguments"), ["<array>", ...spec.argv.map((a) => `${inner}${string(a)}`), "\t</array>"].join("\n")],
      [key("EnvironmentVariables"), [
        "<dict>",
        dict(Object.entries(spec.environment).map(([k, v]) => [key(k), string(v)]), inner),
        "\t</dict>",
      ].join("\n")],
      [key("WorkingDirectory"), string(spec.workingDirectory)],
      [key("RunAtLoad"), "<true/>"],
      [key("KeepAlive"), ["<dict>", `${inner}${key("SuccessfulExit")}`, `${inner}<false/>`, "\t</dict>"].join("\n")],
      [key("AbandonProcessGroup"), "<true/>"],
      [key("ProcessType"), string("Background")],
      [key("StandardOutPath"), string(spec.logFile)],
      [key("StandardErrorPath"), string(spec.logFile)],
    ], "\t"),
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
};

/**
 * What to ask launchctl. Booting out first lets a re-install replace a loaded
 * agent (optional: fails when none is loaded); enabling undoes an earlier `unload -w`.
 */
export const launchdCommands = (uid: number, plistPath: string) => {
  const target = `gui/${uid}/${LAUNCHD_LABEL}`;
  const bootout = { command: ["launchctl", "bootout", target], optional: true };
  return {
    install: [{ command: ["launchctl", "enable", target] }, bootout, { command: ["launchctl", "bootstrap", `gui/${uid}`, plistPath] }],
    stop: [bootout],
    afterRemove: [],
    status: { command: ["launchctl", "print", target] },
  };
};

/** `launchctl print` succeeds only for a loaded agent; its `state` and `pid` lines say whether it runs. */
export const launchdActivity = (exitCode: number, output: string): { readonly running: boolean | null; readonly detail: string } => {
  if (exitCode !== 0) return { running: false, detail: "not loaded" };
  const state = /^\s*state = (.+)$/m.exec(output)?.[1]?.trim() ?? "loaded";
  const pid = /^\s*pid = (\d+)$/m.exec(output)?.[1];
  return { running: state === "running", detail: pid ? `${state} (pid ${pid})` : state };
};

const UNESCAPED: Record<string, string> = Object.fromEntries(Object.entries(ENTITIES).map(([c, e]) => [e, c]));

/** The command an installed agent runs: its ProgramArguments, as launchdAgent wrote them. */
export const launchdProgramArguments = (plist: string): string[] => {
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1] ?? "";
  return [...array.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((m) => (m[1] ?? "").replace(/&\w+;/g, (e) => UNESCAPED[e] ?? e));
};
