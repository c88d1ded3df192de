import type { ProcessInfo } from "../../src/core/process.ts";

/** A process-table row with sensible defaults, for pure-logic tests. */
export const proc = (pid: number, argv: ReadonlyArray<string>, over: Partial<ProcessInfo> = {}): ProcessInfo => ({
  pid,
  ppid: 1,
  pgid: pid,
  sid: pid,
  uid: 1000,
  startTime: `${pid}00`,
  startedAt: 1_700_000_000_000 + pid,
  state: "S",
  name: (argv[0] ?? "").split("/").pop()!.slice(0, 15),
  argv,
  rssBytes: 1024,
  cpuTimeMs: 0,
  ...over,
});

export const JOB = "0b7e4c1e-9a51-4e6c-8f0e-2a8d6c3b1f00";
export const LAUNCHER_ARGV = ["node", "/usr/lib/node_modules/@openai/codex/bin/codex.js", "exec", "--json", "-c", `shell_environment_policy.set.CODEX_SUPERVISOR_JOB_ID="${JOB}"`, "-"];
export const NATIVE_ARGV = ["/usr/lib/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex", ...LAUNCHER_ARGV.slice(2)];
