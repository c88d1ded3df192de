/**
 * What the Codex under test is and can do: the one place the end-to-end tests learn how
 * one release differs from another. Probed from the binary itself (`--version`, `--help`),
 * so a release nobody has listed yet is described by what it says, not by a guess.
 */
import { delimiter } from "node:path";

export interface CodexFlavor {
  /** `codex --version`, e.g. `0.150.1`. */
  readonly version: string;
  /** `codex mcp-server` is a command (deprecated in 0.150, gone by 0.169). */
  readonly hasMcpServer: boolean;
  /** The TUI hands its turns to an app-server daemon it starts under CODEX_HOME (0.169: `--no-daemon` turns it off). */
  readonly tuiUsesDaemon: boolean;
  /**
   * Its native process holds `thread-writer-locks/<thread id>.lock` open while it writes the thread:
   * 0.150.1 does, 0.128.0 does not (seen in the matrix; no flag says so, the version does).
   */
  readonly holdsWriterLock: boolean;
}

const realPath = (): string => (process.env.PATH ?? "").split(delimiter).filter((p) => !p.includes("bun-node-")).join(delimiter);

const output = (bin: string, args: ReadonlyArray<string>): string => {
  const r = Bun.spawnSync([bin, ...args], { env: { ...process.env, PATH: realPath() }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  if (r.exitCode !== 0) throw new Error(`${bin} ${args.join(" ")} exited ${r.exitCode}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
};

/** The commands `codex --help` lists: lines of two-space indent then a name. */
const commandsIn = (help: string): ReadonlySet<string> => {
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? "";
  return new Set(Array.from(section.matchAll(/^ {2}([a-z][\w-]*)\s/gm), (m) => m[1]!));
};

const cache = new Map<string, CodexFlavor>();

export const codexFlavor = (bin: string): CodexFlavor => {
  const known = cache.get(bin);
  if (known) return known;
  const version = /codex-cli (\S+)/.exec(output(bin, ["--version"]))?.[1];
  if (!version) throw new Error(`${bin} --version does not name a Codex version`);
  const help = output(bin, ["--help"]);
  const flavor: CodexFlavor = {
    version,
    hasMcpServer: commandsIn(help).has("mcp-server"),
    tuiUsesDaemon: /^\s+--no-daemon\b/m.test(help),
    holdsWriterLock: Bun.semver.order(version, "0.150.0") >= 0,
  };
  cache.set(bin, flavor);
  return flavor;
};
